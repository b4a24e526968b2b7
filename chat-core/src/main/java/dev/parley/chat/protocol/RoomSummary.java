package dev.parley.chat.protocol;

/**
 * One entry of the {@code rooms} reply.
 *
 * @param room the room id
 * @param topic the topic, {@code ""} when unset
 * @param members how many members are connected
 * @param seq the room's head seq
 */
public record RoomSummary(String room, String topic, int members, long seq) {}
