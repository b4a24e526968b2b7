package dev.parley.chat.internal.room;

import dev.parley.chat.ChatMetrics;
import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.internal.EngineConfig;
import java.util.function.Consumer;

/**
 * What the engine shares with all its rooms, made once by the engine.
 *
 * @param config the engine's options and collaborators (clock, scheduler, store, sequencer, ...)
 * @param metrics the metrics hook, already guarded
 * @param users the users' live state (status, last seen) on this node
 * @param publishes every publish in flight on this node, so closing can wait for them
 * @param storedAnywhere called with every message stored in any room, on that room's mailbox
 */
public record RoomServices(
        EngineConfig config,
        ChatMetrics metrics,
        Users users,
        PublishesInFlight publishes,
        Consumer<Message> storedAnywhere) {

    /** The users' live state as this node knows it; kept by the engine across rooms. */
    public interface Users {
        /** The recorded member with its live status and last command time, if the user is known here. */
        Member live(Member recorded);

        /** The member record of a user who is here now. */
        Member memberOf(String user, long nowMillis);

        /** The user's chosen status; online if unknown. */
        PresenceStatus statusOf(String user);
    }
}
