package dev.parley.chat.client;

import dev.parley.chat.ChatException;
import dev.parley.chat.Member;
import dev.parley.chat.Message;
import java.util.List;

/**
 * What a {@link ParleyClient} tells the application about one joined room. Every method is a
 * no-op by default, so a listener overrides only what it needs.
 *
 * <p><b>Order.</b> {@link #onMessage} sees the room's messages strictly in seq order, each once,
 * never with a gap, across reconnects: the client tracks the last seq it delivered, drops
 * anything at or below it, and resumes with {@code since} after a lost connection. The one
 * exception is announced: when the server cannot prove a resume complete, {@link #onReset} comes
 * first and the messages continue from its {@link JoinedRoom#seq()} + 1.
 *
 * <p><b>Thread safety.</b> Called on the client's callback executor, one call at a time per room
 * and in the order the events happened; never on the client's I/O thread. Calls for different
 * rooms may run concurrently. A listener may block briefly and may call the client back, but a
 * slow listener delays its room's later events (they queue in memory). What it throws is logged
 * and otherwise ignored.
 *
 * <p><b>Lifecycle.</b> {@link #onJoined} first, once; then any of the others, until {@link
 * RoomSubscription#leave()}, {@link ParleyClient#close()}, or {@link #onFailed}, which is last.
 */
public interface RoomListener {

    /**
     * The first {@code joined} of this subscription. Without a resume point its {@code messages}
     * are the room's latest messages (a snapshot for the application to show); with one (see
     * {@link ParleyClient#join(String, String, long, RoomListener)}) and {@link
     * JoinedRoom#recovered()}, they are also delivered one by one to {@link #onMessage} right
     * after this call. A resume point that the server could not resume from gives {@code
     * recovered} false here: the application's cache of the room is stale, as after {@link
     * #onReset}.
     */
    default void onJoined(JoinedRoom joined) {}

    /**
     * The client rejoined after a lost connection and the server resumed the room exactly: the
     * messages missed meanwhile follow through {@link #onMessage}. Informational (the members may
     * have changed).
     */
    default void onResumed(JoinedRoom joined) {}

    /**
     * The room could not be resumed where this client left off: the log no longer holds the
     * missed messages, or the room's log was started again under a new epoch. (When the server
     * only declines because too many were missed, the client pages them in with {@code history}
     * instead, and {@link #onMessage} gets them all.) The application should drop what it has cached for the
     * room; {@code joined.messages()} are the room's latest messages and {@link #onMessage}
     * continues after {@code joined.seq()}.
     */
    default void onReset(JoinedRoom joined) {}

    /** A message of the room, in seq order, once (see the class comment). */
    default void onMessage(Message message) {}

    /** Another user joined or left the room, or changed its status. */
    default void onPresence(PresenceEvent event) {}

    /** Another member started or stopped typing. */
    default void onTyping(String room, String user, boolean typing) {}

    /** Another member's read marker moved forward to {@code seq} (or this user's, from another device). */
    default void onReceipt(String room, String user, long seq) {}

    /**
     * The room's full member list, sent by the server after it had to drop presence pushes to
     * this client because the client read too slowly.
     */
    default void onMembers(String room, List<Member> members) {}

    /**
     * The subscription ended because the server refused to (re)join the room ({@link
     * ChatException#code()} says why, such as {@code FORBIDDEN}), or because the client gave up
     * reconnecting or was closed. No call follows.
     */
    default void onFailed(String room, ChatException cause) {}
}
