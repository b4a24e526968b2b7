package dev.parley.chat.spi;

import java.security.SecureRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Makes the server's opaque ids: epochs, sessions and message ids. Public for adapters: a store
 * that creates a room gives it {@link #newEpoch()} (PROTOCOL §5: a new epoch whenever a room's
 * log starts over).
 *
 * <p><b>Thread safety.</b> Safe from any thread.
 */
public final class Ids {
    private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final SecureRandom SEEDS = new SecureRandom();

    private Ids() {}

    /** A new epoch, unique across restarts: {@code e-} and 16 random characters. */
    public static String newEpoch() {
        return "e-" + random(SEEDS.nextLong(), 13);
    }

    /** A new session id. */
    public static String newSession() {
        return "s-" + random(ThreadLocalRandom.current().nextLong(), 13);
    }

    /**
     * A new message id: time first so ids sort roughly by creation, then randomness so two
     * nodes never collide.
     */
    public static String newMessageId(long epochMillis) {
        return "m-" + random(epochMillis, 9) + random(ThreadLocalRandom.current().nextLong(), 13);
    }

    private static String random(long bits, int length) {
        char[] out = new char[length];
        long v = bits;
        for (int i = length - 1; i >= 0; i--) {
            out[i] = ALPHABET[(int) Long.remainderUnsigned(v, 36)];
            v = Long.divideUnsigned(v, 36);
        }
        return new String(out);
    }
}
