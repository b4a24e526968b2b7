package dev.parley.chat.protocol;

import dev.parley.chat.ErrorCode;
import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.PresenceStatus;
import java.util.List;

/**
 * A decoded server frame of PROTOCOL §4, as the client needs it. Replies carry the {@code ref} the
 * client sent, or -1 when they came without one (or with a ref this client never makes: refs of
 * this client are positive integers).
 *
 * <p>{@link ServerFrameReader} reads them, {@link ServerFrames} writes them; each record holds its
 * frame's fields under their wire names, and one without a comment is the reply or push its name
 * says.
 */
public sealed interface ServerFrame {

    /** The ref of a reply or error, -1 for a push. */
    default long ref() {
        return -1;
    }

    /** @param tokenExpiresInMs when the hello's token expires, negative if it does not */
    record WelcomeFrame(long ref, String session, String user, long heartbeatMs, int maxFrameBytes,
            int maxBodyBytes, int historyLimit, int publishPerSecond, long tokenExpiresInMs) implements ServerFrame {}

    record JoinedFrame(long ref, String room, String epoch, long seq, long first, long read, List<Member> members,
            List<Message> messages, boolean recovered) implements ServerFrame {}

    record LeftFrame(long ref, String room) implements ServerFrame {}

    record PublishedFrame(long ref, String room, long seq, String id, long ts, boolean duplicate)
            implements ServerFrame {}

    record HistoryFrame(long ref, String room, List<Message> messages, boolean hasMore) implements ServerFrame {}

    /** The {@code members} reply, or (without ref) the push a caught-up slow reader gets. */
    record MembersFrame(long ref, String room, List<Member> members) implements ServerFrame {}

    record StatusFrame(long ref, PresenceStatus status) implements ServerFrame {}

    record ReadFrame(long ref, String room, long seq) implements ServerFrame {}

    record RoomsFrame(long ref, List<RoomSummary> rooms) implements ServerFrame {}

    record CreatedFrame(long ref, String room, String topic) implements ServerFrame {}

    record PongFrame(long ref) implements ServerFrame {}

    /** @param code the error's code; one a newer server added reads as {@link ErrorCode#INTERNAL} */
    record ErrorFrame(long ref, ErrorCode code, String message, long retryAfterMs) implements ServerFrame {}

    record MessagePush(Message message) implements ServerFrame {}

    /** @param event {@code join}, {@code leave} or {@code status} */
    record PresencePush(String room, String user, PresenceStatus status, String event) implements ServerFrame {}

    record TypingPush(String room, String user, boolean typing) implements ServerFrame {}

    record ReceiptPush(String room, String user, long seq) implements ServerFrame {}

    record ByePush(String code, String message) implements ServerFrame {}

    /** A frame of a type this client does not know (a newer server); ignored. */
    record UnknownFrame(long ref, String type) implements ServerFrame {}
}
