package dev.parley.chat.store.file;

import java.time.Duration;
import java.util.Objects;

/**
 * The settings of a {@link FileMessageStore}: durability, the shared journal and its checkpoints,
 * per-room retention, segment size and the cap on open files. Immutable; made with {@link
 * #builder()}.
 *
 * <p>Retention drops whole old segments of a room, never the segment being written, so a room
 * keeps at least what its limits ask and at most one segment more.
 */
public final class FileStoreOptions {
    static final long MIN_SEGMENT_BYTES = 4096;
    static final long MAX_SEGMENT_BYTES = 1L << 30;

    private final Durability durability;
    private final long retainMessages;
    private final long retainBytes;
    private final Duration retainAge;
    private final long segmentBytes;
    private final int maxOpenFiles;
    private final boolean journal;
    private final long checkpointBytes;
    private final Duration checkpointInterval;
    private final Duration idleTimeout;

    private FileStoreOptions(Builder b) {
        this.journal = b.journal;
        this.checkpointBytes = b.checkpointBytes;
        this.checkpointInterval = b.checkpointInterval;
        this.idleTimeout = b.idleTimeout;
        this.durability = b.durability;
        this.retainMessages = b.retainMessages;
        this.retainBytes = b.retainBytes;
        this.retainAge = b.retainAge;
        this.segmentBytes = b.segmentBytes;
        this.maxOpenFiles = b.maxOpenFiles;
    }

    /**
     * The defaults: {@code FSYNC} through the shared journal with a checkpoint every 16 MiB or 5 s,
     * no retention, 64 MiB segments, 512 open files.
     */
    public static FileStoreOptions defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** When an append is acknowledged. */
    public Durability durability() {
        return durability;
    }

    /** How many of its latest messages a room serves; {@code Long.MAX_VALUE} for all. */
    public long retainMessages() {
        return retainMessages;
    }

    /** How many bytes of its latest segments a room keeps at least; {@code Long.MAX_VALUE} for all. */
    public long retainBytes() {
        return retainBytes;
    }

    /** How old a room's messages may grow before their segment is dropped; zero for forever. */
    public Duration retainAge() {
        return retainAge;
    }

    /** The size at which a room's segment is closed and a new one begun. */
    public long segmentBytes() {
        return segmentBytes;
    }

    /** How many files the store keeps open at most, beyond those in use at that instant. */
    public int maxOpenFiles() {
        return maxOpenFiles;
    }

    /**
     * Whether {@code FSYNC} appends are made durable by one fsync of the shared journal per group
     * (true, the default) rather than one fsync per room written. The other modes never journal.
     */
    public boolean journal() {
        return journal;
    }

    /** After how many journal bytes the rooms' segments are fsynced and the journal cut. */
    public long checkpointBytes() {
        return checkpointBytes;
    }

    /** After how long, at most, written rooms' segments are fsynced and the journal cut. */
    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    /**
     * How long a room may go unused before the store releases its open files, index and buffers;
     * {@link Duration#ZERO} keeps every room loaded. Using the room again reopens it cheaply.
     */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    @Override
    public String toString() {
        return "FileStoreOptions[durability=" + durability + ", journal=" + journal + ", checkpointBytes="
                + checkpointBytes + ", checkpointInterval=" + checkpointInterval + ", idleTimeout=" + idleTimeout + ", retainMessages=" + retainMessages + ", retainBytes="
                + retainBytes + ", retainAge=" + retainAge + ", segmentBytes=" + segmentBytes + ", maxOpenFiles="
                + maxOpenFiles + "]";
    }

    /** Builds {@link FileStoreOptions}; each setter checks its value. Not thread-safe. */
    public static final class Builder {
        private Durability durability = Durability.FSYNC;
        private long retainMessages = Long.MAX_VALUE;
        private long retainBytes = Long.MAX_VALUE;
        private Duration retainAge = Duration.ZERO;
        private long segmentBytes = 64L << 20;
        private int maxOpenFiles = 512;
        private boolean journal = true;
        private long checkpointBytes = 16L << 20;
        private Duration checkpointInterval = Duration.ofSeconds(5);
        private Duration idleTimeout = Duration.ofSeconds(60);

        private Builder() {}

        /**
         * Whether {@code FSYNC} appends go through the shared journal (one fsync per group for all
         * rooms; the default) or fsync each room's segment. Either way a store opens whatever the
         * other left: recovery always replays a journal it finds.
         */
        public Builder journal(boolean value) {
            this.journal = value;
            return this;
        }

        /**
         * Checkpoint after this many journal bytes; 16 MiB by default. Reopening after a crash
         * replays at most about this much.
         *
         * @throws IllegalArgumentException if {@code value} is not in [4096, 2^30]
         */
        public Builder checkpointBytes(long value) {
            if (value < 4096 || value > 1L << 30) {
                throw new IllegalArgumentException("checkpointBytes was " + value + " but must be in [4096, 1073741824]");
            }
            this.checkpointBytes = value;
            return this;
        }

        /**
         * Checkpoint at least this often while rooms are written; 5 s by default.
         *
         * @throws IllegalArgumentException if {@code value} is not in [1 ms, 1 h]
         */
        /**
         * Release a room's open files, index and buffers after it went unused this long (default 60 s;
         * {@link Duration#ZERO} never). A room is released only when everything appended to it is
         * durable without the journal, so releasing costs no fsync of its own in the default mode.
         *
         * @throws IllegalArgumentException if {@code value} is negative or longer than a day
         */
        public Builder idleTimeout(Duration value) {
            Objects.requireNonNull(value, "idleTimeout");
            if (value.isNegative() || value.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("idleTimeout was " + value + " but must be in [0, 1 d]");
            }
            this.idleTimeout = value;
            return this;
        }

        public Builder checkpointInterval(Duration value) {
            Objects.requireNonNull(value, "checkpointInterval");
            if (value.toMillis() < 1 || value.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("checkpointInterval was " + value + " but must be in [1 ms, 1 h]");
            }
            this.checkpointInterval = value;
            return this;
        }

        /** When an append is acknowledged; {@link Durability#FSYNC} by default. */
        public Builder durability(Durability value) {
            this.durability = Objects.requireNonNull(value, "durability");
            return this;
        }

        /**
         * Serve only this many of each room's latest messages: as soon as the head moves, the room's
         * first seq is at least {@code head - value + 1} for every read, and it never moves back, also
         * across restarts with another retention. The files of older whole segments are deleted later.
         *
         * @throws IllegalArgumentException if {@code value} is below 1
         */
        public Builder retainMessages(long value) {
            if (value < 1) {
                throw new IllegalArgumentException("retainMessages was " + value + " but must be at least 1");
            }
            this.retainMessages = value;
            return this;
        }

        /**
         * Keep at least this many bytes of each room's latest segments and drop older whole segments.
         *
         * @throws IllegalArgumentException if {@code value} is below 1
         */
        public Builder retainBytes(long value) {
            if (value < 1) {
                throw new IllegalArgumentException("retainBytes was " + value + " but must be at least 1");
            }
            this.retainBytes = value;
            return this;
        }

        /**
         * Drop a room's old segment once its newest message is older than this; zero keeps forever.
         *
         * @throws IllegalArgumentException if {@code value} is negative
         */
        public Builder retainAge(Duration value) {
            Objects.requireNonNull(value, "retainAge");
            if (value.isNegative()) {
                throw new IllegalArgumentException("retainAge was " + value + " but must not be negative");
            }
            this.retainAge = value;
            return this;
        }

        /**
         * The size at which a segment is closed; 64 MiB by default.
         *
         * @throws IllegalArgumentException if {@code value} is not in [4096, 2^30]
         */
        public Builder segmentBytes(long value) {
            if (value < MIN_SEGMENT_BYTES || value > MAX_SEGMENT_BYTES) {
                throw new IllegalArgumentException("segmentBytes was " + value + " but must be in [" + MIN_SEGMENT_BYTES
                        + ", " + MAX_SEGMENT_BYTES + "]");
            }
            this.segmentBytes = value;
            return this;
        }

        /**
         * The cap on files kept open; 512 by default. Each room being written holds two.
         *
         * @throws IllegalArgumentException if {@code value} is not in [4, 1048576]
         */
        public Builder maxOpenFiles(int value) {
            if (value < 4 || value > 1 << 20) {
                throw new IllegalArgumentException("maxOpenFiles was " + value + " but must be in [4, 1048576]");
            }
            this.maxOpenFiles = value;
            return this;
        }

        /** The options. */
        public FileStoreOptions build() {
            // Every setter checks its own value and no two options constrain each other.
            return new FileStoreOptions(this);
        }
    }
}
