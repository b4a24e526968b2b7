package dev.parley.chat;

import java.util.List;

/**
 * Server-side hooks around the engine: moderation, push notifications for offline members, search
 * indexing. Every method is a no-op by default; override what matters.
 *
 * <p><b>Thread safety.</b> Called from the engine's room threads, for one room in that room's
 * order, for different rooms concurrently. Should be quick: a slow listener slows its room. {@link
 * #onPublish} is bounded: it runs on a hook thread and the room waits for it at most 2 seconds;
 * past that a WARN is logged, the hook's thread is interrupted, what it returns later is ignored,
 * and the publish goes on <em>as if the hook had accepted it unchanged</em> (a slow moderation
 * service must not stop a chat; a hook that must never let a message through unchecked refuses
 * fast instead). Meanwhile that room waits (a member's publishes keep their order), other rooms go
 * on.
 *
 * <p><b>Errors.</b> Guarded: what a method throws is logged with its context; from {@link
 * #onPublish} a {@link ChatException} refuses the publish with its code, anything else with
 * {@code INTERNAL}. Other rooms and connections go on.
 */
public interface ChatListener {

    /**
     * A publish is about to be sequenced. Return the draft to accept it, a changed draft to
     * rewrite it (its room, user, seq and cid are kept whatever is returned), or throw {@link
     * ChatException} (typically {@link ErrorCode#FORBIDDEN}) to refuse it. Bounded by a 2-second
     * timeout, after which the draft is accepted unchanged (see the type's Javadoc).
     */
    default Message onPublish(Message draft) {
        return draft;
    }

    /**
     * A message was stored and is being delivered to the room's members. Called by the default
     * {@link #onMessage(Message, List)}; override one of the two.
     */
    default void onMessage(Message message) {}

    /**
     * A message was stored and is being delivered to the room's members; {@code offlineMembers}
     * are the room's members without a connection in it now (the ones to notify by push or
     * email), sorted by name. The room knows as members the users who joined it since it was
     * opened on this server (rooms are opened on first use and after a restart) and did not
     * {@code leave} it since, and, for a direct room, its two users; a user whose connections were
     * lost stays a member. The author is never among them. The default calls {@link
     * #onMessage(Message)}.
     */
    default void onMessage(Message message, List<String> offlineMembers) {
        onMessage(message);
    }

    /** A user became a member of a room (its first connection joined). */
    default void onJoin(String room, String user) {}

    /** A user stopped being a member of a room (left, or lost after the grace period). */
    default void onLeave(String room, String user) {}

    /** A member of {@code room} changed its status ({@code online}, {@code away}, {@code dnd}). */
    default void onPresence(String room, String user, PresenceStatus status) {}
}
