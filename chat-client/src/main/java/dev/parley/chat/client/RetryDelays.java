package dev.parley.chat.client;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How long the client waits before it tries something again (a connection, a join, a publish or
 * a request the server could not serve): its {@link Backoff} with jitter drawn from its one
 * random source, so that a seeded source makes the whole schedule repeatable.
 *
 * <p>Confined to the loop (the random source is not thread-safe).
 */
final class RetryDelays {
    private final Backoff backoff;
    private final RandomGenerator random;

    RetryDelays(Backoff backoff, RandomGenerator random) {
        this.backoff = backoff;
        this.random = random;
    }

    /** The delay before attempt {@code attempt}, counted from 1. */
    Duration delay(int attempt) {
        return backoff.delay(attempt, random.nextDouble());
    }
}
