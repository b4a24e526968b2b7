package dev.parley.chat.examples;

import dev.parley.chat.ChatServer;
import dev.parley.chat.FoldedMessage;
import dev.parley.chat.Reaction;
import dev.parley.chat.Room;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.RoomState;
import dev.parley.chat.protocol.RoomSummary;
import java.util.List;

/**
 * The README's folded-view and unread-count examples, compiled: a room's messages with edits,
 * deletes, reactions and replies folded in, on the server and in the Java client.
 */
public final class FoldedViewExample {
    private FoldedViewExample() {}

    /** Prints the newest 50 messages of a room as a reader sees them. */
    static void printRoom(ChatServer server) {
        Room room = server.room("general");
        // The newest 50 text messages; pass the first one's seq to get the page before.
        List<FoldedMessage> page = room.view(Long.MAX_VALUE, 50);
        for (FoldedMessage m : page) {
            String text = m.deleted() ? "(deleted)" : m.body() + (m.edited() ? " (edited)" : "");
            System.out.println(m.seq() + " " + m.user() + ": " + text + ", " + m.replies() + " replies");
            for (Reaction r : m.reactions()) {
                System.out.println("   " + r.emoji() + " " + r.count() + " " + r.users());
            }
        }
    }

    /** The client folds what it receives the same way. */
    static RoomState follow(ParleyClient client) {
        RoomState state = new RoomState();
        client.join("general", state);
        // Later, from any thread: state.messages() is the room as folded so far.
        return state;
    }

    /** Unread counts of the room list. */
    static void printUnread(ParleyClient client) {
        for (RoomSummary r : client.rooms().join()) {
            System.out.println(r.room() + ": " + r.unread() + " unread (read up to " + r.read() + " of " + r.seq() + ")");
        }
    }

    /** Builds an in-memory server, prints its (empty) room, and closes it. */
    public static void main(String[] args) {
        try (ChatServer server = ChatServer.builder().build()) {
            printRoom(server);
        }
    }
}
