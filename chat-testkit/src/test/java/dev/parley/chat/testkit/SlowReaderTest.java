package dev.parley.chat.testkit;

import static dev.parley.chat.testkit.ConcurrentPublishTest.assertGapless;
import static dev.parley.chat.testkit.ConcurrentPublishTest.seqsOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.chat.spi.MessageStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SlowReaderTest {
    private static final long BUDGET = 64 * 1024;
    private static final int COUNT = 3000;

    @Test
    void pausedReader_getsEverythingInOrderLater_andIsNeverQueuedBeyondBudgetPlusOneFrame() {
        String body = "x".repeat(1000);
        try (EngineFixture f = new EngineFixture(MessageStore.inMemory(100_000), b -> b
                .publishPerSecond(1_000_000).publishBurst(1_000_000).maxOutboundBytes(BUDGET))) {
            RecordingClient publisher = f.client("publisher");
            publisher.join("firehose");
            RecordingClient fast = f.client("fast");
            fast.join("firehose");
            RecordingClient slow = f.client("slow");
            slow.join("firehose");
            slow.pause();

            for (int i = 0; i < COUNT; i++) {
                publisher.send("{\"type\":\"publish\",\"room\":\"firehose\",\"body\":\"" + body + "\"}");
            }
            // The fast member gets everything while the slow one is still paused.
            assertGapless(seqsOf(fast.awaitMessages("firehose", COUNT, Duration.ofSeconds(30))), COUNT);
            assertThat(slow.messages("firehose")).isEmpty();
            int oneFrame = 1200;
            assertThat(slow.maxQueuedBytes()).isGreaterThan(0).isLessThanOrEqualTo(BUDGET + oneFrame);

            slow.resume();
            assertGapless(seqsOf(slow.awaitMessages("firehose", COUNT, Duration.ofSeconds(30))), COUNT);
            assertThat(slow.maxQueuedBytes()).isLessThanOrEqualTo(BUDGET + oneFrame);
            slow.assertNoMore();
        }
    }

    @Test
    void readerBehindWhatTheLogRetains_isClosedWith4000() {
        try (EngineFixture f = new EngineFixture(MessageStore.inMemory(100), b -> b
                .publishPerSecond(1_000_000).publishBurst(1_000_000).maxOutboundBytes(4096))) {
            RecordingClient publisher = f.client("publisher");
            publisher.join("small");
            RecordingClient slow = f.client("slow");
            slow.join("small");
            slow.pause();
            for (int i = 0; i < 1500; i++) { // beyond both the store's 100 and the engine's tail cache
                publisher.publish("small", "message number " + i + " with some padding to fill the budget");
            }
            slow.resume();
            slow.awaitClosed(4000);
        }
    }

    @Test
    void readerBehindTheStoresFirst_butInsideTheEnginesTailCache_isClosedWith4000() {
        try (EngineFixture f = new EngineFixture(MessageStore.inMemory(100), b -> b
                .publishPerSecond(1_000_000).publishBurst(1_000_000).maxOutboundBytes(4096))) {
            RecordingClient publisher = f.client("publisher");
            publisher.join("small");
            RecordingClient slow = f.client("slow");
            slow.join("small");
            slow.pause();
            for (int i = 0; i < 300; i++) { // beyond the store's 100, well within the engine's tail cache
                publisher.publish("small", "message number " + i + " with some padding to fill the budget");
            }
            slow.resume();
            slow.awaitClosed(4000);
        }
    }
}
