package dev.parley.chat.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.chat.ErrorCode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Each hook call moves its meter, and every meter exists before any traffic. */
class MicrometerChatMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MicrometerChatMetrics metrics = new MicrometerChatMetrics(registry);

    @Test
    void everyMeter_isRegisteredAtZero_beforeAnyTraffic() {
        for (String counter : new String[] {"parley.connections.opened", "parley.messages.in", "parley.messages.out",
                "parley.messages.stored", "parley.deliveries", "parley.slow.reader.catchups", "parley.slow.consumer.closes"}) {
            assertThat(registry.get(counter).counter().count()).as(counter).isZero();
        }
        assertThat(registry.get("parley.connections").gauge().value()).isZero();
        assertThat(registry.get("parley.rooms").gauge().value()).isZero();
        assertThat(registry.get("parley.errors").counters()).hasSize(ErrorCode.values().length);
        assertThat(registry.get("parley.store.append").timers()).hasSize(2);
    }

    @Test
    void hookCalls_moveTheirMeters() {
        metrics.onConnectionOpened();
        metrics.onConnectionOpened();
        metrics.onConnectionClosed();
        metrics.onRoomOpened();
        metrics.onFrameReceived();
        metrics.onFrameSent();
        metrics.onFrameSent();
        metrics.onMessageStored("hall");
        metrics.onMessageDelivered();
        metrics.onSlowReaderCatchUp();
        metrics.onSlowConsumerClosed();
        metrics.onStoreAppend(Duration.ofMillis(3), false);
        metrics.onStoreAppend(Duration.ofMillis(40), true);
        metrics.onError(ErrorCode.RATE_LIMITED);

        assertThat(registry.get("parley.connections").gauge().value()).isEqualTo(1);
        assertThat(registry.get("parley.connections.opened").counter().count()).isEqualTo(2);
        assertThat(registry.get("parley.rooms").gauge().value()).isEqualTo(1);
        assertThat(registry.get("parley.messages.in").counter().count()).isEqualTo(1);
        assertThat(registry.get("parley.messages.out").counter().count()).isEqualTo(2);
        assertThat(registry.get("parley.messages.stored").counter().count()).isEqualTo(1);
        assertThat(registry.get("parley.deliveries").counter().count()).isEqualTo(1);
        assertThat(registry.get("parley.slow.reader.catchups").counter().count()).isEqualTo(1);
        assertThat(registry.get("parley.slow.consumer.closes").counter().count()).isEqualTo(1);
        assertThat(registry.get("parley.store.append").tag("outcome", "ok").timer().totalTime(TimeUnit.MILLISECONDS))
                .isEqualTo(3);
        assertThat(registry.get("parley.store.append").tag("outcome", "failed").timer().count()).isEqualTo(1);
        assertThat(registry.get("parley.errors").tag("code", "RATE_LIMITED").counter().count()).isEqualTo(1);
        assertThat(registry.get("parley.errors").tag("code", "FORBIDDEN").counter().count()).isZero();
    }
}
