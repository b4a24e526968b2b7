package dev.parley.chat.protocol;

/**
 * One entry of the {@code rooms} reply.
 *
 * @param room the room id
 * @param topic the topic, {@code ""} when unset
 * @param members how many members are connected
 * @param seq the room's head seq
 * @param read the user's read marker in the room, 0 when none; {@code seq - read} is the unread count
 */
public record RoomSummary(String room, String topic, int members, long seq, long read) {

    /** How many messages of the room the user has not read: {@code seq - read}, never negative. */
    public long unread() {
        return Math.max(0, seq - read);
    }
}
