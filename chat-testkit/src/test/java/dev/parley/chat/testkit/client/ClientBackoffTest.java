package dev.parley.chat.testkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.client.Backoff;
import dev.parley.chat.client.ClientListener;
import dev.parley.chat.client.ParleyClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ClientBackoffTest {

    @Test
    void backoffWithoutJitter_doublesFromInitial_upToMax() {
        Backoff b = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(1));

        List<Long> delays = new ArrayList<>();
        for (int attempt = 1; attempt <= 7; attempt++) {
            delays.add(b.delay(attempt, 0.7).toMillis());
        }

        assertThat(delays).containsExactly(100L, 200L, 400L, 800L, 1000L, 1000L, 1000L);
        assertThat(b.baseDelay(10_000)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void jitter_drawsTheDelayBetweenTheFixedPartAndTheBase() {
        Backoff half = new Backoff(Duration.ofMillis(1000), Duration.ofSeconds(10), 3.0, 0.5);
        Backoff full = half.withJitter(1.0);

        assertThat(half.delay(1, 0.0)).isEqualTo(Duration.ofMillis(500));
        assertThat(half.delay(1, 1.0)).isEqualTo(Duration.ofMillis(1000));
        assertThat(half.delay(2, 0.5)).isEqualTo(Duration.ofMillis(2250));
        assertThat(full.delay(3, 0.0)).isEqualTo(Duration.ZERO);
        assertThat(full.delay(3, 0.25)).isEqualTo(Duration.ofMillis(2250));
    }

    @Test
    void backoffAndBuilder_refuseValuesOutOfRange_sayingTheRange() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 2, 0))
                .hasMessage("initial was 0 ms but must be in [1 ms, 3600000 ms]");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0))
                .hasMessage("max was 1000 ms but must be in [2000 ms, 3600000 ms]");
        assertThatThrownBy(() -> Backoff.DEFAULT.withJitter(1.5))
                .hasMessage("jitter was 1.5 but must be in [0.0, 1.0]");
        ParleyClient.Builder builder = ParleyClient.builder(listener -> null);
        assertThatThrownBy(() -> builder.maxInFlightPublishes(0))
                .hasMessage("maxInFlightPublishes was 0 but must be in [1, 10000]");
        assertThatThrownBy(() -> builder.maxReconnectAttempts(-1))
                .hasMessage("maxReconnectAttempts was -1 but must be in [0, 2147483647]");
        assertThatThrownBy(() -> builder.closeTimeout(Duration.ofMinutes(11)))
                .hasMessage("closeTimeout was 660000 ms but must be in [0 ms, 600000 ms]");
        assertThatThrownBy(() -> builder.user(".hidden")).hasMessageStartingWith("user was \".hidden\" but must be");
    }

    @Test
    void reconnectAttempts_waitTheBackoffSchedule_drawnFromTheInjectedRandom_thenGiveUp() throws Exception {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000), 2.0, 0.5);
        RecordingScheduler scheduler = new RecordingScheduler();
        List<String> events = new CopyOnWriteArrayList<>();
        try (ClientFixture f = new ClientFixture()) {
            f.connector.refuseConnections(true);
            ParleyClient client = f.track(ParleyClient.builder(f.connector)
                    .user("alice")
                    .backoff(backoff)
                    .maxReconnectAttempts(6)
                    .maxConnectAttempts(7)
                    .connectTimeout(Duration.ofMinutes(10))
                    .random(new SplittableRandom(42))
                    .scheduler(scheduler)
                    .listener(new ClientListener() {
                        @Override
                        public void onReconnectScheduled(int attempt, Duration delay) {
                            events.add(attempt + ":" + delay.toMillis());
                        }

                        @Override
                        public void onGaveUp(ChatException cause) {
                            events.add("gave up " + cause.code());
                        }
                    })
                    .build());

            Throwable failure = null;
            try {
                client.connect().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                failure = e.getCause();
            }

            SplittableRandom replay = new SplittableRandom(42);
            List<Long> expected = new ArrayList<>();
            List<String> expectedEvents = new ArrayList<>();
            for (int attempt = 1; attempt <= 6; attempt++) {
                long millis = backoff.delay(attempt, replay.nextDouble()).toMillis();
                expected.add(millis);
                expectedEvents.add(attempt + ":" + millis);
            }
            expectedEvents.add("gave up UNAVAILABLE");
            assertThat(failure).isInstanceOf(ChatException.class);
            assertThat(((ChatException) failure).code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(scheduler.delaysMillis).containsExactlyElementsOf(expected);
            assertThat(expected).allMatch(d -> d >= 50 && d <= 1000);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> events.size() == expectedEvents.size());
            assertThat(events).containsExactlyElementsOf(expectedEvents);
            // Every attempt was refused: nothing was ever opened.
            assertThat(f.connector.connectionsOpened()).isZero();
        } finally {
            scheduler.shutdownNow();
        }
    }

    /** Records each timer's requested delay and runs it at once, so the test does not wait. */
    private static final class RecordingScheduler extends ScheduledThreadPoolExecutor {
        final List<Long> delaysMillis = new CopyOnWriteArrayList<>();

        RecordingScheduler() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            // The connect timeout (10 minutes here) keeps its real delay: it must not fire.
            if (unit.toMinutes(delay) >= 1) {
                return super.schedule(command, delay, unit);
            }
            // execute() comes through here with delay 0; only the client's timers are of interest.
            if (delay > 0) {
                delaysMillis.add(unit.toMillis(delay));
            }
            return super.schedule(command, 0, unit);
        }
    }
}
