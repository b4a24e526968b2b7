package dev.parley.chat.client;

import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.protocol.ServerFrame;
import java.util.List;
import java.util.Objects;

/**
 * The server's {@code joined} reply: the state of a room when this client (re)joined it
 * (PROTOCOL §4, §5.4).
 *
 * @param room the room id
 * @param epoch the room log's epoch; a different epoch means a different log
 * @param seq the room's head seq when joined (0 for an empty room)
 * @param first the lowest seq the server still holds (0 for an empty room)
 * @param read the user's read marker in the room (0 if none)
 * @param members the members at the time of the join, this user included
 * @param messages when {@link #recovered}, every message after the resume point; otherwise the
 *     latest messages, a fresh snapshot
 * @param recovered whether {@code messages} continue exactly where the client left off
 */
public record JoinedRoom(
        String room,
        String epoch,
        long seq,
        long first,
        long read,
        List<Member> members,
        List<Message> messages,
        boolean recovered) {

    /** Copies the lists and checks that nothing is null. */
    public JoinedRoom {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(epoch, "epoch");
        members = List.copyOf(members);
        messages = List.copyOf(messages);
    }

    static JoinedRoom of(ServerFrame.JoinedFrame f) {
        return new JoinedRoom(f.room(), f.epoch(), f.seq(), f.first(), f.read(), f.members(), f.messages(),
                f.recovered());
    }
}
