package dev.parley.chat.client;

/**
 * Which page of a room's log {@link ParleyClient#history} asks for (PROTOCOL §5.7).
 *
 * <p>Page backwards from the newest with {@link #latest} then {@link #before} the lowest seq
 * received; page forwards with {@link #after} the highest.
 *
 * @param before only messages with a seq below this, or 0 for no bound
 * @param after only messages with a seq above this, or -1 for no bound
 * @param limit the most messages to return, in [1, 1000]; the server caps it at its {@code
 *     historyLimit}
 */
public record HistoryQuery(long before, long after, int limit) {

    /**
     * Checks the ranges above; {@code before} and {@code after} cannot both be set.
     *
     * @throws IllegalArgumentException naming the value and its allowed range
     */
    public HistoryQuery {
        if (before < 0) {
            throw new IllegalArgumentException("before was " + before + " but must be in [0, " + Long.MAX_VALUE + "]");
        }
        if (after < -1) {
            throw new IllegalArgumentException("after was " + after + " but must be in [-1, " + Long.MAX_VALUE + "]");
        }
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit was " + limit + " but must be in [1, 1000]");
        }
        if (before > 0 && after >= 0) {
            throw new IllegalArgumentException("before and after cannot both be set");
        }
    }

    /** The latest {@code limit} messages. */
    public static HistoryQuery latest(int limit) {
        return new HistoryQuery(0, -1, limit);
    }

    /** The latest {@code limit} messages with a seq below {@code seq} (which must be at least 1). */
    public static HistoryQuery before(long seq, int limit) {
        if (seq < 1) {
            throw new IllegalArgumentException("before was " + seq + " but must be in [1, " + Long.MAX_VALUE + "]");
        }
        return new HistoryQuery(seq, -1, limit);
    }

    /** The first {@code limit} messages with a seq above {@code seq} (0: from the start). */
    public static HistoryQuery after(long seq, int limit) {
        return new HistoryQuery(0, seq, limit);
    }
}
