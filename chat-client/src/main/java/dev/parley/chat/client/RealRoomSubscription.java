package dev.parley.chat.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The client's record of one joined room, kept by {@link Rooms}. The fields marked "loop" belong
 * to the client's loop; the volatile ones are also read by the application.
 */
final class RealRoomSubscription implements RoomSubscription {
    final Rooms rooms;
    final String room;
    final RoomListener listener;
    /** Runs this room's listener calls one at a time, in order, on the callback executor. */
    final SerialQueue events;
    final CompletableFuture<JoinedRoom> joined = new CompletableFuture<>();
    final CompletableFuture<Void> left = new CompletableFuture<>();
    final AtomicBoolean ended = new AtomicBoolean();
    /** Whether the first join resumes from a point the application gave. */
    final boolean resumeGiven;

    /** The last seq delivered (or the snapshot's head); written by the loop only. */
    volatile long lastSeq;
    /** The epoch of the log that {@link #lastSeq} counts in; written by the loop only. */
    volatile @Nullable String epoch;

    // ---- loop ----
    /** Taken over by the loop (join sent when connected); false while the join call is in transit. */
    boolean activated;
    /** Whether a {@code joined} was ever received: later joins resume with {@code since}. */
    boolean everJoined;
    /** Whether the current connection has a {@code joined} for it that the client trusts. */
    boolean joinedOnCurrent;
    /** The ref of the join in flight, 0 when none. */
    long joinRef;
    int joinRetries;

    RealRoomSubscription(Rooms rooms, String room, RoomListener listener, SerialQueue events,
            boolean resumeGiven, @Nullable String resumeEpoch, long resumeSince) {
        this.rooms = rooms;
        this.room = room;
        this.listener = listener;
        this.events = events;
        this.resumeGiven = resumeGiven;
        this.epoch = resumeEpoch;
        this.lastSeq = resumeSince;
    }

    @Override
    public String room() {
        return room;
    }

    @Override
    public CompletableFuture<JoinedRoom> joined() {
        return joined;
    }

    @Override
    public long lastSeq() {
        return lastSeq;
    }

    @Override
    public @Nullable String epoch() {
        return epoch;
    }

    @Override
    public void typing(boolean typing) {
        rooms.typing(this, typing);
    }

    @Override
    public CompletableFuture<Void> leave() {
        rooms.leave(this);
        return left;
    }

    @Override
    public String toString() {
        return "RoomSubscription[" + room + ", lastSeq=" + lastSeq + "]";
    }
}
