package dev.parley.chat.client;

/**
 * The client's own publish rate: a token bucket filled at the server's announced {@code
 * publishPerSecond}, so a busy application does not earn a stream of {@code RATE_LIMITED} errors
 * (a connection that earns more than 100 errors in ten seconds is closed, PROTOCOL §9).
 *
 * <p>The server does not announce its burst, so the bucket starts as large as one second of
 * the rate, and every {@code RATE_LIMITED} halves it (down to one token) and stops publishing
 * until the server's {@code retryAfterMs} have passed.
 *
 * <p>Not thread-safe: used on the client's loop only.
 */
final class Pacer {
    private final double perNano;
    private double capacity;
    private double tokens;
    private long updatedNanos;
    private long blockedUntilNanos;

    /**
     * @param perSecond the sustained rate; 0 or less means the server announced none (no pacing)
     */
    Pacer(int perSecond, long nowNanos) {
        this.perNano = perSecond > 0 ? perSecond / 1e9 : 0;
        this.capacity = Math.max(1, perSecond);
        this.tokens = capacity;
        this.updatedNanos = nowNanos;
        this.blockedUntilNanos = nowNanos;
    }

    /** Takes a token if one is there; returns 0, or how many nanoseconds to wait for one. */
    long tryTake(long nowNanos) {
        if (nowNanos - blockedUntilNanos < 0) {
            return blockedUntilNanos - nowNanos;
        }
        if (perNano == 0) {
            return 0;
        }
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / perNano));
    }

    /** The server refused a publish with {@code RATE_LIMITED}: back off as it asks. */
    void limited(long retryAfterMs, long nowNanos) {
        refill(nowNanos);
        capacity = Math.max(1, capacity / 2);
        tokens = 0;
        long until = nowNanos + Math.max(1, retryAfterMs) * 1_000_000L;
        if (until - blockedUntilNanos > 0) {
            blockedUntilNanos = until;
        }
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - updatedNanos;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * perNano);
            updatedNanos = nowNanos;
        }
    }
}
