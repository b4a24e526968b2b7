package dev.parley.chat.spi;

import java.util.Objects;

/**
 * A snapshot of one room's log as a {@link MessageStore} holds it.
 *
 * @param room the room id
 * @param epoch the log's epoch: made when the log was created, different for every new log of the
 *     same room id (PROTOCOL §5.5)
 * @param topic the room's topic, {@code ""} when unset
 * @param createdAt when the room was created, in epoch milliseconds
 * @param firstSeq the lowest seq the store still holds, 0 when it holds none
 * @param lastSeq the highest seq appended, 0 for a room without messages
 */
public record RoomInfo(String room, String epoch, String topic, long createdAt, long firstSeq, long lastSeq) {
    /** Checks that nothing is null and the seqs are consistent. */
    public RoomInfo {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(epoch, "epoch");
        Objects.requireNonNull(topic, "topic");
        if (firstSeq < 0 || lastSeq < 0 || firstSeq > lastSeq) {
            throw new IllegalArgumentException("inconsistent seqs: first " + firstSeq + ", last " + lastSeq);
        }
    }
}
