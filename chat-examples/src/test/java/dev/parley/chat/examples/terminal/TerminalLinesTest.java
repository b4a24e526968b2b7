package dev.parley.chat.examples.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import dev.parley.chat.protocol.RoomSummary;
import org.junit.jupiter.api.Test;

class TerminalLinesTest {
    private static Message message(long seq, MessageKind kind, String body, long target, long replyTo) {
        return new Message("lobby", seq, "m-" + seq, "bob", body, 1L, kind, null, target, replyTo, null);
    }

    @Test
    void everyKindOfMessage_readsAsOneLineWithRoomSeqAndAuthor() {
        assertThat(TerminalLines.message(message(1, MessageKind.TEXT, "hi", 0, 0))).isEqualTo("[lobby] #1 bob: hi");
        assertThat(TerminalLines.message(message(2, MessageKind.TEXT, "yes", 0, 1))).isEqualTo("[lobby] #2 bob (reply to #1): yes");
        assertThat(TerminalLines.message(message(3, MessageKind.EDIT, "hi!", 1, 0))).isEqualTo("[lobby] #3 bob edited #1: hi!");
        assertThat(TerminalLines.message(message(4, MessageKind.DELETE, "", 1, 0))).isEqualTo("[lobby] #4 bob deleted #1");
        assertThat(TerminalLines.message(message(5, MessageKind.REACT, "👍", 2, 0))).isEqualTo("[lobby] #5 bob reacted 👍 to #2");
        assertThat(TerminalLines.message(message(6, MessageKind.UNREACT, "👍", 2, 0))).isEqualTo("[lobby] #6 bob took back 👍 from #2");
    }

    @Test
    void controlCharactersOfOtherUsers_cannotReachTheTerminal() {
        String hostile = "\u001b[2J\u001b]0;owned\u0007line\nbreak\r\u202Eevil";

        String shown = TerminalLines.message(message(1, MessageKind.TEXT, hostile, 0, 0));

        assertThat(shown).doesNotContain("\u001b", "\u0007", "\n", "\r", "\u202E");
        assertThat(shown).isEqualTo("[lobby] #1 bob: ?[2J?]0;owned?line?break??evil");
    }

    @Test
    void aRoomOfTheList_showsItsUnreadCount_onlyWhenThereIsOne() {
        assertThat(TerminalLines.room(new RoomSummary("lobby", "", 2, 10, 7)))
                .isEqualTo("   #lobby  2 members, last #10, 3 unread");
        assertThat(TerminalLines.room(new RoomSummary("lobby", "news", 1, 10, 10)))
                .isEqualTo("   #lobby  1 member, last #10  news");
    }
}
