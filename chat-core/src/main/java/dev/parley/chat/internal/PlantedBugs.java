package dev.parley.chat.internal;

import org.jspecify.annotations.Nullable;

/**
 * Test-only switches that plant a known bug in the engine, so that the deterministic simulation
 * ({@code chat-simulation}, TESTING.md) can show it finds it. Nothing in production sets them:
 * nothing of the API, SPI or an adapter can reach this class, and with no bug planted each seam
 * pays one read of a volatile field on a path that is not per message (a join's catch-up, a
 * drain). Bugs the simulation can plant from outside the engine (through its server customiser or
 * store wrapper) have no switch here.
 */
public final class PlantedBugs {

    /** The bugs the engine can plant at one of its seams. */
    public enum Bug {
        /** {@code CursorFeed.catchUp}: a recovered join's messages start at since+2, not since+1. */
        RESUME_SKIPS_ONE,
        /** {@code CursorFeed.drained}: a cursor that waited for its connection to drain skips one message. */
        DRAIN_SKIPS_ONE
    }

    private static volatile @Nullable Bug planted;

    private PlantedBugs() {}

    /** Plants {@code bug} (one at a time) until {@link #clear()}; for tests only. */
    public static void plant(Bug bug) {
        planted = bug;
    }

    /** Removes the planted bug. */
    public static void clear() {
        planted = null;
    }

    /** Whether {@code bug} is planted; read at its seam. */
    public static boolean planted(Bug bug) {
        return planted == bug;
    }
}
