package dev.parley.chat.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.chat.Message;
import dev.parley.chat.internal.PlantedBugs;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.Sequencer;
import dev.parley.chat.testkit.ForwardingMessageStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The simulation's proof that it finds bugs (issue 13, TESTING.md): each bug of the kinds that break
 * chat servers is planted alone, seeds 1..1000 run until the first failure, and the failure must be
 * the invariant that bug breaks. Where the engine need not be edited the bug is planted through the
 * simulation's hooks (a store wrapper, the server customiser); the two that live inside a room's
 * cursor feed are planted through the engine's test-only {@link PlantedBugs} switch. Each test
 * prints its seeds-to-failure, the figure TESTING.md shows.
 */
class PlantedBugsTest {
    private static final int MAX_SEEDS = 1000;

    @AfterEach
    void clearTheSwitch() {
        PlantedBugs.clear();
    }

    @Test
    void acknowledgingBeforeTheAppendCompletes_isFound() {
        // The append is reported complete at once, whatever the store then does with it (fails it,
        // holds it, loses it in a crash): the engine acknowledges what is not yet in the log.
        SimulationOptions options = SimulationOptions.defaults().withStoreWrapper(store -> new ForwardingMessageStore(store) {
            @Override
            public CompletableFuture<Void> append(Message message) {
                try {
                    delegate.append(message);
                } catch (RuntimeException e) {
                    // the planted bug does not look at the outcome
                }
                return CompletableFuture.completedFuture(null);
            }
        });
        // Members are fed before the acknowledgement, so a push of the phantom message may be seen first.
        findsWithin("acknowledge before the append completes", options, "acknowledged", "the store never held it");
    }

    @Test
    void aResumeOffByOne_isFound() {
        PlantedBugs.plant(PlantedBugs.Bug.RESUME_SKIPS_ONE);
        findsWithin("resume off by one", SimulationOptions.defaults(), "recovered:true");
    }

    @Test
    void aDedupeWindowNotRebuiltAfterARestart_isFound() {
        // The real sequencer, but its room state is rebuilt from a store that shows it no recent
        // messages: after a restart (or a room's release) it remembers no cid, and a retry appends again.
        SimulationOptions options = SimulationOptions.defaults().withServerCustomizer(builder -> builder.sequencer(
                store -> Sequencer.local(new ForwardingMessageStore(store) {
                    @Override
                    public List<Message> readBefore(String room, long beforeSeq, int limit) {
                        return List.of();
                    }
                }, 10_000)));
        findsWithin("dedupe window not rebuilt after a restart", options, "appended twice");
    }

    @Test
    void aCursorThatSkipsOneMessageWhenItsConnectionDrains_isFound() {
        PlantedBugs.plant(PlantedBugs.Bug.DRAIN_SKIPS_ONE);
        findsWithin("a cursor that skips one message when its connection drains", SimulationOptions.defaults(), "(a gap)");
    }

    @Test
    void aLeaveWithoutTheGracePeriod_isFound() {
        // The world expects the 5 s grace it configured; the server lets a lost user go at once.
        SimulationOptions options = SimulationOptions.defaults()
                .withServerCustomizer(builder -> builder.presenceGrace(Duration.ZERO));
        findsWithin("a leave without the grace period", options, "within the grace period");
    }

    /** Runs seeds 1.. until the first failure (on this thread, in order) and checks it breaks one of the expected invariants. */
    private static void findsWithin(String bug, SimulationOptions options, String... expected) {
        Simulation.@Nullable Outcome failed = null;
        for (long seed = 1; seed <= MAX_SEEDS && failed == null; seed++) {
            Simulation.Outcome outcome = Simulation.run(seed, options);
            if (!outcome.passed()) {
                failed = outcome;
            }
        }
        assertThat(failed).as("%s: no failure within %d seeds", bug, MAX_SEEDS).isNotNull();
        System.out.println("planted bug '" + bug + "': found at seed " + failed.seed() + " (step " + failed.failingStep()
                + "): " + failed.violation() + "\n" + failed.report());
        assertThat(failed.violation()).as(failed.report()).containsAnyOf(expected);
    }
}
