package dev.parley.chat.client;

import java.time.Duration;
import java.util.Objects;

/**
 * The exponential backoff with jitter that a {@link ParleyClient} waits before each reconnect
 * attempt (and before it retries a publish the server could not store).
 *
 * <p>Attempt {@code n} (from 1) has the base delay {@code min(max, initial × multiplier^(n-1))}.
 * Jitter spreads clients that lost the same server apart, so they do not all come back at once:
 * the delay is drawn uniformly from {@code [base × (1 − jitter), base]}. A jitter of 0 gives the
 * plain exponential schedule, 1 gives "full jitter" (anything from 0 to the base).
 *
 * @param initial the base delay of the first attempt, in [1 ms, 1 h]
 * @param max the largest base delay, in [initial, 1 h]
 * @param multiplier how much the base delay grows per attempt, in [1, 10]
 * @param jitter which fraction of the base delay is random, in [0, 1]
 */
public record Backoff(Duration initial, Duration max, double multiplier, double jitter) {
    private static final Duration LONGEST = Duration.ofHours(1);
    private static final Duration SHORTEST = Duration.ofMillis(1);

    /** The default: 250 ms doubling up to 30 s, half of each delay random. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30), 2.0, 0.5);

    /**
     * Checks the ranges above.
     *
     * @throws IllegalArgumentException naming the value and its allowed range
     */
    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        checkDuration("initial", initial, SHORTEST, LONGEST);
        checkDuration("max", max, initial, LONGEST);
        if (!(multiplier >= 1.0 && multiplier <= 10.0)) {
            throw new IllegalArgumentException("multiplier was " + multiplier + " but must be in [1.0, 10.0]");
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("jitter was " + jitter + " but must be in [0.0, 1.0]");
        }
    }

    /**
     * The plain exponential backoff without jitter ({@code multiplier} 2).
     *
     * @throws IllegalArgumentException if a duration is out of range
     */
    public static Backoff exponential(Duration initial, Duration max) {
        return new Backoff(initial, max, 2.0, 0.0);
    }

    /** This backoff with another jitter fraction. */
    public Backoff withJitter(double newJitter) {
        return new Backoff(initial, max, multiplier, newJitter);
    }

    /**
     * The base delay of attempt {@code attempt}, before jitter.
     *
     * @param attempt the attempt number, from 1
     * @throws IllegalArgumentException if {@code attempt} is below 1
     */
    public Duration baseDelay(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt was " + attempt + " but must be in [1, " + Integer.MAX_VALUE + "]");
        }
        double millis = initial.toMillis() * Math.pow(multiplier, attempt - 1.0);
        // pow overflows to infinity for large attempts; min() keeps it at max.
        return Duration.ofMillis((long) Math.min(millis, (double) max.toMillis()));
    }

    /**
     * The delay before attempt {@code attempt}, with the jitter drawn from {@code unitRandom}.
     *
     * @param attempt the attempt number, from 1
     * @param unitRandom a random number in [0, 1), such as {@code RandomGenerator.nextDouble()}
     * @throws IllegalArgumentException if {@code attempt} is below 1 or {@code unitRandom} is
     *     outside [0, 1]
     */
    public Duration delay(int attempt, double unitRandom) {
        if (!(unitRandom >= 0.0 && unitRandom <= 1.0)) {
            throw new IllegalArgumentException("unitRandom was " + unitRandom + " but must be in [0.0, 1.0]");
        }
        long base = baseDelay(attempt).toMillis();
        double fixed = base * (1.0 - jitter);
        return Duration.ofMillis(Math.round(fixed + base * jitter * unitRandom));
    }

    private static void checkDuration(String name, Duration value, Duration low, Duration high) {
        if (value.compareTo(low) < 0 || value.compareTo(high) > 0) {
            throw new IllegalArgumentException(name + " was " + value.toMillis() + " ms but must be in ["
                    + low.toMillis() + " ms, " + high.toMillis() + " ms]");
        }
    }
}
