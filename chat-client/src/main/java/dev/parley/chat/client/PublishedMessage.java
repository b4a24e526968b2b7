package dev.parley.chat.client;

import java.util.Objects;

/**
 * The server's acknowledgement of a publish: the message is stored under {@code seq} and will
 * never be lost or renumbered (PROTOCOL §5.2).
 *
 * @param room the room id
 * @param seq the message's position in the room's log
 * @param id the server-made unique id of the message
 * @param ts when the server accepted it, in epoch milliseconds
 * @param cid the idempotency key the client sent with it
 * @param duplicate true when the acknowledgement came for a retry of a publish the server had
 *     already stored (after a lost connection, say); the message was stored once all the same
 */
public record PublishedMessage(String room, long seq, String id, long ts, String cid, boolean duplicate) {

    /** Checks that nothing is null. */
    public PublishedMessage {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(cid, "cid");
    }
}
