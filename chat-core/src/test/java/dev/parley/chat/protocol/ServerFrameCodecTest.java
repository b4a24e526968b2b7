package dev.parley.chat.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.chat.ErrorCode;
import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.spi.OutboundFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@link ServerFrames} writes, {@link ServerFrameReader} reads back as the same frame. */
class ServerFrameCodecTest {
    private final ServerFrameReader reader = new ServerFrameReader();

    private static final Ref REF = new Ref("7");
    private static final Message TEXT = new Message(
            "general", 3, "m-3", "alice", "héllo 👋", 1_700_000_000_000L, MessageKind.TEXT, "c-1", 0, 2,
            "{\"file\":{\"url\":\"https://x.example/a\"}}");
    private static final Message REACTION =
            new Message("general", 4, "m-4", "bob", "👍", 1_700_000_000_001L, MessageKind.REACT, null, 3, 0, null);
    private static final Member ALICE = new Member("alice", PresenceStatus.AWAY, 1_700_000_000_002L);

    private ServerFrame read(OutboundFrame frame) {
        return reader.read(frame.text());
    }

    @Test
    void everyReplyAndPush_readsBackAsWritten() {
        Map<OutboundFrame, ServerFrame> cases = Map.ofEntries(
                Map.entry(ServerFrames.welcome(REF, "s-1", "alice", 25_000, 65_536, 4096, 100, 20, 60_000),
                        new ServerFrame.WelcomeFrame(7, "s-1", "alice", 25_000, 65_536, 4096, 100, 20, 60_000)),
                Map.entry(ServerFrames.welcome(REF, "s-1", "alice", 25_000, 65_536, 4096, 100, 20),
                        new ServerFrame.WelcomeFrame(7, "s-1", "alice", 25_000, 65_536, 4096, 100, 20, -1)),
                Map.entry(ServerFrames.joined(REF, "general", "e-1", 4, 1, 2, List.of(ALICE), List.of(TEXT, REACTION), true),
                        new ServerFrame.JoinedFrame(7, "general", "e-1", 4, 1, 2, List.of(ALICE), List.of(TEXT, REACTION), true)),
                Map.entry(ServerFrames.left(REF, "general"), new ServerFrame.LeftFrame(7, "general")),
                Map.entry(ServerFrames.published(REF, TEXT, true),
                        new ServerFrame.PublishedFrame(7, "general", 3, "m-3", TEXT.ts(), true)),
                Map.entry(ServerFrames.history(REF, "general", List.of(REACTION), false),
                        new ServerFrame.HistoryFrame(7, "general", List.of(REACTION), false)),
                Map.entry(ServerFrames.members(null, "general", List.of(ALICE)),
                        new ServerFrame.MembersFrame(-1, "general", List.of(ALICE))),
                Map.entry(ServerFrames.status(REF, "dnd"), new ServerFrame.StatusFrame(7, PresenceStatus.DND)),
                Map.entry(ServerFrames.read(REF, "general", 3), new ServerFrame.ReadFrame(7, "general", 3)),
                Map.entry(ServerFrames.rooms(REF, List.of(new RoomSummary("general", "", 2, 4, 3))),
                        new ServerFrame.RoomsFrame(7, List.of(new RoomSummary("general", "", 2, 4, 3)))),
                Map.entry(ServerFrames.created(REF, "new", "a topic"), new ServerFrame.CreatedFrame(7, "new", "a topic")),
                Map.entry(ServerFrames.pong(REF), new ServerFrame.PongFrame(7)),
                Map.entry(ServerFrames.error(REF, ErrorCode.RATE_LIMITED, "slow down", 250),
                        new ServerFrame.ErrorFrame(7, ErrorCode.RATE_LIMITED, "slow down", 250)),
                Map.entry(ServerFrames.message(TEXT), new ServerFrame.MessagePush(TEXT)),
                Map.entry(ServerFrames.presence("general", "bob", "online", "join"),
                        new ServerFrame.PresencePush("general", "bob", PresenceStatus.ONLINE, "join")),
                Map.entry(ServerFrames.typing("general", "bob", true), new ServerFrame.TypingPush("general", "bob", true)),
                Map.entry(ServerFrames.receipt("general", "bob", 3), new ServerFrame.ReceiptPush("general", "bob", 3)),
                Map.entry(ServerFrames.bye("SHUTDOWN", "bye"), new ServerFrame.ByePush("SHUTDOWN", "bye")));

        cases.forEach((written, expected) -> assertThat(read(written)).as(written.text()).isEqualTo(expected));
    }

    @Test
    void refThatThisClientNeverMakes_readsAsNone() {
        assertThat(read(ServerFrames.left(new Ref("\"j-1\""), "general")).ref()).isEqualTo(-1);
        assertThat(read(ServerFrames.left(new Ref("-3"), "general")).ref()).isEqualTo(-1);
    }

    @Test
    void whatANewerServerAdds_isReadAsWellAsAnOldClientCan() {
        assertThat(reader.read("{\"type\":\"poll\",\"ref\":3,\"room\":\"general\"}"))
                .isEqualTo(new ServerFrame.UnknownFrame(3, "poll"));
        assertThat(reader.read("{\"type\":\"error\",\"code\":\"SOMETHING_NEW\",\"message\":\"m\",\"extra\":1}"))
                .isEqualTo(new ServerFrame.ErrorFrame(-1, ErrorCode.INTERNAL, "m", 0));
        assertThat(reader.read("{\"type\":\"status\",\"ref\":1,\"status\":\"busy-in-a-meeting\"}"))
                .isEqualTo(new ServerFrame.StatusFrame(1, PresenceStatus.ONLINE));
    }

    @Test
    void badFrames_areRefusedWithTheReason() {
        assertThatThrownBy(() -> reader.read("[1]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> reader.read("{\"type\":\"left\",\"ref\":1}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("room");
        assertThatThrownBy(() -> reader.read("{\"type\":\"left\",\"type\":\"left\",\"room\":\"g\"}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> reader.read(
                        "{\"type\":\"presence\",\"room\":\"g\",\"user\":\"u\",\"status\":\"online\",\"event\":\"wave\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown presence event wave");
    }

    @Test
    void listsOfAReadFrame_cannotBeChanged() {
        ServerFrame.JoinedFrame joined = (ServerFrame.JoinedFrame) read(
                ServerFrames.joined(REF, "general", "e-1", 3, 1, 0, List.of(ALICE), List.of(TEXT), false));
        List<Message> more = new ArrayList<>(List.of(REACTION));
        assertThatThrownBy(() -> joined.messages().addAll(more)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> joined.members().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void compactObject_rewritesOneObjectAndRefusesTheRest() {
        assertThat(reader.compactObject("{ \"a\" : [1, 2] }")).isEqualTo("{\"a\":[1,2]}");
        assertThatThrownBy(() -> reader.compactObject("{} {}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> reader.compactObject("\"text\"")).isInstanceOf(IllegalArgumentException.class);
    }
}
