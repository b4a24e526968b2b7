package dev.parley.chat.client;

import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One room joined through {@link ParleyClient#join}: the client keeps it joined across
 * reconnects, resuming with the last seq delivered, until {@link #leave()}.
 *
 * <p><b>Thread safety.</b> Every method may be called from any thread.
 *
 * <p><b>Lifecycle.</b> Active from {@link ParleyClient#join} until {@link #leave()}, a refusal
 * by the server ({@link RoomListener#onFailed}) or the client's close.
 */
public interface RoomSubscription {

    /** The room id. */
    String room();

    /**
     * Completes with the first {@code joined} of this subscription, or fails with a {@link
     * dev.parley.chat.ChatException} whose code says why the server refused it.
     */
    CompletableFuture<JoinedRoom> joined();

    /** The seq of the last message handed to {@link RoomListener#onMessage} (or of the snapshot), 0 before. */
    long lastSeq();

    /** The epoch of the room's log as last joined, or null before the first {@code joined}. */
    @Nullable String epoch();

    /**
     * Tells the other members that this user is typing, or stopped. Typing is ephemeral: nothing
     * is sent while the client is not connected, and the server ends it by itself after a few
     * seconds without renewal.
     */
    void typing(boolean typing);

    /**
     * Leaves the room: the listener gets no more events and the client stops rejoining it.
     * Completes once the server confirmed (or at once when not connected). Idempotent.
     */
    CompletableFuture<Void> leave();
}
