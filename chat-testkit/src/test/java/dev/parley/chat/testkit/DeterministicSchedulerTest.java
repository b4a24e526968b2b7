package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.chat.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeterministicSchedulerTest {

    private static List<Integer> orderOf(long seed, int tasks) {
        DeterministicScheduler scheduler = new DeterministicScheduler(seed);
        List<Integer> ran = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            int n = i;
            scheduler.execute(() -> ran.add(n));
        }
        assertThat(scheduler.runUntilIdle()).isEqualTo(tasks);
        return ran;
    }

    @Test
    void oneSeed_givesOneOrder_everyTime_andAnotherSeed_anotherOrder() {
        assertThat(orderOf(1, 20)).isEqualTo(orderOf(1, 20)).containsExactlyInAnyOrderElementsOf(orderOf(2, 20));
        assertThat(orderOf(1, 20)).isNotEqualTo(orderOf(2, 20));
    }

    @Test
    void nothingRuns_untilTheTestRunsIt_andNeverInsideExecuteOrSchedule() {
        DeterministicScheduler scheduler = new DeterministicScheduler(7);
        List<String> ran = new ArrayList<>();
        scheduler.execute(() -> ran.add("task"));
        scheduler.schedule(() -> ran.add("timer"), 0);
        assertThat(ran).isEmpty();
        scheduler.runUntilIdle();
        assertThat(ran).containsExactlyInAnyOrder("task", "timer");
        assertThat(scheduler.isIdle()).isTrue();
    }

    @Test
    void timers_fireWhenTheVirtualClockReachesThem_inDeadlineOrder_andRunUntilIdleDoesNotMoveTime() {
        DeterministicScheduler scheduler = new DeterministicScheduler(3);
        long start = scheduler.clock().millis();
        List<String> ran = new ArrayList<>();
        scheduler.schedule(() -> ran.add("late@" + (scheduler.clock().millis() - start)), 2000);
        scheduler.schedule(() -> ran.add("early@" + (scheduler.clock().millis() - start)), 1000);
        scheduler.runUntilIdle();
        assertThat(ran).isEmpty();
        assertThat(scheduler.clock().millis()).isEqualTo(start);

        scheduler.advance(Duration.ofMillis(999));
        assertThat(ran).isEmpty();
        scheduler.advance(Duration.ofMillis(5000));
        assertThat(ran).containsExactly("early@1000", "late@2000");
        assertThat(scheduler.clock().millis() - start).isEqualTo(5999);
    }

    @Test
    void aTaskScheduledByATimer_firesWithinTheSameAdvance_ifItIsDueByItsEnd() {
        DeterministicScheduler scheduler = new DeterministicScheduler(5);
        List<Long> fired = new ArrayList<>();
        long start = scheduler.clock().millis();
        scheduler.schedule(() -> {
            fired.add(scheduler.clock().millis() - start);
            scheduler.schedule(() -> fired.add(scheduler.clock().millis() - start), 300);
        }, 100);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(fired).containsExactly(100L, 400L);
    }

    @Test
    void aCancelledTimer_neverRuns_andLeavesNothingQueued() {
        DeterministicScheduler scheduler = new DeterministicScheduler(11);
        List<String> ran = new ArrayList<>();
        Scheduler.Timer timer = scheduler.schedule(() -> ran.add("cancelled"), 10);
        timer.cancel();
        timer.cancel();
        assertThat(scheduler.pendingTimers()).isZero();
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(ran).isEmpty();
    }

    @Test
    void runningFromInsideATask_isRefused() {
        DeterministicScheduler scheduler = new DeterministicScheduler(13);
        List<Throwable> caught = new ArrayList<>();
        scheduler.execute(() -> {
            try {
                scheduler.runUntilIdle();
            } catch (IllegalStateException e) {
                caught.add(e);
            }
        });
        scheduler.runUntilIdle();
        assertThat(caught).hasSize(1);
        assertThatThrownBy(() -> scheduler.schedule(() -> {}, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
