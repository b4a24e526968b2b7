package dev.parley.chat.simulation;

import dev.parley.chat.ChatServer;
import dev.parley.chat.spi.MessageStore;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * How big a world is, and the two hooks through which a test plants a bug without editing the
 * simulation: {@code serverCustomizer} gets the builder after the world has configured it (so it
 * may change any option, or set a test-only switch of the engine), and {@code storeWrapper} wraps
 * the store the engine sees (around the fault injector; the invariants read the real store
 * beneath both).
 *
 * @param clients how many client slots (devices); two slots share each user
 * @param rooms how many rooms the clients use
 * @param steps how many random steps, before the final teardown
 * @param serverCustomizer applied to every server's builder of the world, restarts included
 * @param storeWrapper applied once to the faulty store the engine sees
 */
public record SimulationOptions(
        int clients,
        int rooms,
        int steps,
        UnaryOperator<ChatServer.Builder> serverCustomizer,
        UnaryOperator<MessageStore> storeWrapper) {

    /**
     * @throws IllegalArgumentException if a size is out of range
     */
    public SimulationOptions {
        if (clients < 2 || clients > 64) {
            throw new IllegalArgumentException("clients was " + clients + " but must be in [2, 64]");
        }
        if (rooms < 1 || rooms > 16) {
            throw new IllegalArgumentException("rooms was " + rooms + " but must be in [1, 16]");
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps was " + steps + " but must be at least 1");
        }
        Objects.requireNonNull(serverCustomizer, "serverCustomizer");
        Objects.requireNonNull(storeWrapper, "storeWrapper");
    }

    /** The worlds `verify` runs: 16 clients (8 users), 3 rooms, 120 steps, no planted bug. */
    public static SimulationOptions defaults() {
        return new SimulationOptions(16, 3, 120, UnaryOperator.identity(), UnaryOperator.identity());
    }

    /** These options with another number of steps. */
    public SimulationOptions withSteps(int theSteps) {
        return new SimulationOptions(clients, rooms, theSteps, serverCustomizer, storeWrapper);
    }

    /** These options with another number of clients. */
    public SimulationOptions withClients(int theClients) {
        return new SimulationOptions(theClients, rooms, steps, serverCustomizer, storeWrapper);
    }

    /** These options with a planted-bug hook on the server builder (see the record's Javadoc). */
    public SimulationOptions withServerCustomizer(UnaryOperator<ChatServer.Builder> customizer) {
        return new SimulationOptions(clients, rooms, steps, customizer, storeWrapper);
    }

    /** These options with a planted-bug hook around the store (see the record's Javadoc). */
    public SimulationOptions withStoreWrapper(UnaryOperator<MessageStore> wrapper) {
        return new SimulationOptions(clients, rooms, steps, serverCustomizer, wrapper);
    }
}
