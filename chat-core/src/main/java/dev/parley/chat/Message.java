package dev.parley.chat;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One message of a room's log, as stored and as pushed to members (PROTOCOL §4, "message object").
 *
 * <p>A message that has not been sequenced yet (a draft handed to the {@link
 * dev.parley.chat.spi.Sequencer}) has {@code seq} 0; every stored message has a positive seq, the
 * room's next one, without gaps.
 *
 * @param room the room id
 * @param seq the position in the room's log, from 1; 0 for a draft
 * @param id a server-made unique id
 * @param user the author: always the authenticated user of the session that published it
 * @param body the body; opaque to the server apart from its size
 * @param ts when the server accepted it, in epoch milliseconds
 * @param kind what the message does
 * @param cid the client's idempotency key, or null
 * @param target the seq of the message that an edit, delete, react or unreact names, or 0
 * @param replyTo the seq of the message this text message answers, or 0
 * @param meta application data as a compact JSON object text, or null
 */
public record Message(
        String room,
        long seq,
        String id,
        String user,
        String body,
        long ts,
        MessageKind kind,
        @Nullable String cid,
        long target,
        long replyTo,
        @Nullable String meta) {

    /** Checks that the required fields are present and the numbers not negative. */
    public Message {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(kind, "kind");
        if (seq < 0 || target < 0 || replyTo < 0) {
            throw new IllegalArgumentException(
                    "seq, target and replyTo must not be negative: " + seq + ", " + target + ", " + replyTo);
        }
    }

    /** A plain text message draft (seq 0) with no cid, target, reply or meta. */
    public static Message text(String room, String id, String user, String body, long ts) {
        return new Message(room, 0, id, user, body, ts, MessageKind.TEXT, null, 0, 0, null);
    }

    /** This message with the given seq; how a sequencer numbers a draft. */
    public Message withSeq(long newSeq) {
        return new Message(room, newSeq, id, user, body, ts, kind, cid, target, replyTo, meta);
    }
}
