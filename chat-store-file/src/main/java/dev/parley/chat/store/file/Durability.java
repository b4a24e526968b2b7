package dev.parley.chat.store.file;

import java.time.Duration;
import java.util.Objects;

/**
 * When an append counts as stored: after an fsync ({@link #FSYNC}, the default), after the write
 * with an fsync every interval ({@link #interval(Duration)}), or after the write alone ({@link
 * #NONE}).
 *
 * <p>Only {@code FSYNC} keeps the promise that an acknowledged message survives power loss. All
 * three survive the death of the process ({@code kill -9}), because a completed write is in the
 * operating system's page cache.
 */
public final class Durability {
    /** What a {@link Durability} setting waits for. */
    public enum Mode {
        /** Acknowledge after the write and its fsync. */
        FSYNC,
        /** Acknowledge after the write; fsync every interval. */
        INTERVAL,
        /** Acknowledge after the write; leave flushing to the operating system. */
        NONE
    }

    /** Acknowledge after fsync: the default, and the only setting that survives power loss. */
    public static final Durability FSYNC = new Durability(Mode.FSYNC, Duration.ZERO);

    /** Acknowledge after the write; the operating system flushes when it likes. */
    public static final Durability NONE = new Durability(Mode.NONE, Duration.ZERO);

    private final Mode mode;
    private final Duration interval;

    private Durability(Mode mode, Duration interval) {
        this.mode = mode;
        this.interval = interval;
    }

    /**
     * Acknowledge after the write and fsync every {@code interval}: at most that much acknowledged
     * data is lost on power loss.
     *
     * @throws IllegalArgumentException if {@code interval} is not between 1 ms and 1 hour
     */
    public static Durability interval(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.toMillis() < 1 || interval.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("interval was " + interval + " but must be in [1 ms, 1 h]");
        }
        return new Durability(Mode.INTERVAL, interval);
    }

    /** The mode. */
    public Mode mode() {
        return mode;
    }

    /** The fsync interval of {@link Mode#INTERVAL}; zero for the other modes. */
    public Duration interval() {
        return interval;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Durability && ((Durability) o).mode == mode && ((Durability) o).interval.equals(interval);
    }

    @Override
    public int hashCode() {
        return mode.hashCode() * 31 + interval.hashCode();
    }

    @Override
    public String toString() {
        return mode == Mode.INTERVAL ? "INTERVAL(" + interval.toMillis() + " ms)" : mode.name();
    }
}
