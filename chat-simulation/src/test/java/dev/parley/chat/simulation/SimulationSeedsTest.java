package dev.parley.chat.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The simulation's gate in {@code verify}: {@code sim.seeds} seeds (10 000 by default) from
 * {@code sim.firstSeed}, on {@code sim.threads} threads (0: one per core), with no violation. With
 * {@code -Dsim.seed=N} it replays that one seed instead and prints its trace.
 */
class SimulationSeedsTest {

    @Test
    void everySeed_keepsEveryPromiseOfTheProtocol() {
        String one = System.getProperty("sim.seed", "");
        if (!one.isBlank()) {
            long seed = Long.parseLong(one.trim());
            System.out.print(Simulation.trace(seed, SimulationOptions.defaults()));
            Simulation.Outcome outcome = Simulation.run(seed, SimulationOptions.defaults());
            System.out.println(outcome.report());
            assertThat(outcome.passed()).as(outcome.report()).isTrue();
            return;
        }
        long seeds = Long.getLong("sim.seeds", 10_000);
        long first = Long.getLong("sim.firstSeed", 1);
        int threads = Integer.getInteger("sim.threads", 0);
        if (threads <= 0) {
            threads = Runtime.getRuntime().availableProcessors();
        }
        long start = System.nanoTime();
        List<Simulation.Outcome> failed = Simulation.runSeeds(first, seeds, threads, SimulationOptions.defaults());
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("simulation: " + seeds + " seeds from " + first + " on " + threads + " threads in "
                + millis + " ms, " + failed.size() + " failed");
        failed.forEach(o -> System.out.println(o.report()));
        assertThat(failed).as(failed.isEmpty() ? "" : failed.get(0).report()).isEmpty();
    }
}
