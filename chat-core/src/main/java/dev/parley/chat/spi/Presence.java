package dev.parley.chat.spi;

import dev.parley.chat.Member;
import java.util.List;

/**
 * Who is a member of which room, with which status. The engine decides on this node when a user
 * joins or leaves a room (first connection in, last connection out after the grace period) and
 * records it here; {@link #members} answers for the room as a whole, which for a shared
 * implementation means across every node.
 *
 * <p><b>Thread safety.</b> Called concurrently from many threads; for one room, from the room's
 * single writer.
 *
 * <p><b>Lifecycle.</b> Lives as long as the server that was built with it.
 */
public interface Presence {

    /** The single-node presence kept in memory; the default. */
    static Presence inMemory() {
        return new InMemoryPresence();
    }

    /** Records the member in the room, replacing any earlier record of the same user. */
    void put(String room, Member member);

    /** Removes the user from the room; nothing happens if it was not a member. */
    void remove(String room, String user);

    /** The room's members sorted by user name; empty for an unknown room. */
    List<Member> members(String room);

    /** How many members the room has. */
    int count(String room);
}
