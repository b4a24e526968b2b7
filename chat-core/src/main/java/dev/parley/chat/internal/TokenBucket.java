package dev.parley.chat.internal;

/**
 * A token bucket for one connection's commands: {@code burst} tokens, refilled at {@code
 * perSecond}. Times come from the engine's clock. Called from one connection's inbound thread.
 */
final class TokenBucket {
    private final double perMilli;
    private final double burst;
    private double tokens;
    private long lastMillis;

    TokenBucket(int perSecond, int burst, long nowMillis) {
        this.perMilli = perSecond / 1000.0;
        this.burst = burst;
        this.tokens = burst;
        this.lastMillis = nowMillis;
    }

    /**
     * Takes a token if there is one.
     *
     * @return 0 if a token was taken, otherwise how many milliseconds until one is there (≥ 1)
     */
    synchronized long tryTake(long nowMillis) {
        if (nowMillis > lastMillis) {
            tokens = Math.min(burst, tokens + (nowMillis - lastMillis) * perMilli);
            lastMillis = nowMillis;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / perMilli));
    }
}
