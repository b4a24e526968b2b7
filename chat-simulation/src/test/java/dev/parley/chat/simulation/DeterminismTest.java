package dev.parley.chat.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeterminismTest {

    @Test
    void oneSeed_givesTheSameTrace_byteForByte_twice() {
        for (long seed : new long[] {7, 1234, 99_001}) {
            String first = Simulation.trace(seed, SimulationOptions.defaults());
            String again = Simulation.trace(seed, SimulationOptions.defaults());
            assertThat(first).contains("#100 ");
            assertThat(again).isEqualTo(first);
        }
    }

    @Test
    void twoSeeds_makeTwoWorlds() {
        assertThat(Simulation.trace(1, SimulationOptions.defaults()))
                .isNotEqualTo(Simulation.trace(2, SimulationOptions.defaults()));
    }
}
