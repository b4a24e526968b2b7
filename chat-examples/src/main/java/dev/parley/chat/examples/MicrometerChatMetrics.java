package dev.parley.chat.examples;

import dev.parley.chat.ChatMetrics;
import dev.parley.chat.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's {@link ChatMetrics} recorded in a Micrometer registry; the example server scrapes
 * a Prometheus registry at {@code GET /metrics}. Meter names (as Prometheus spells them):
 *
 * <ul>
 *   <li>{@code parley_connections} (gauge, open now), {@code parley_connections_opened_total}
 *   <li>{@code parley_rooms} (gauge, rooms active in memory)
 *   <li>{@code parley_messages_in_total}, {@code parley_messages_out_total}: protocol messages
 *       (frames) from and to clients
 *   <li>{@code parley_messages_stored_total}: chat messages stored (duplicates not counted)
 *   <li>{@code parley_deliveries_total}: {@code message} pushes handed to member connections
 *   <li>{@code parley_slow_reader_catchups_total}, {@code parley_slow_consumer_closes_total} (4000)
 *   <li>{@code parley_store_append_seconds} (histogram, tag {@code outcome} {@code ok|failed})
 *   <li>{@code parley_errors_total} (tag {@code code}, the protocol's error code)
 * </ul>
 *
 * <p>No meter is tagged with a room or user name: those are unbounded, and every tag value is a
 * time series the monitoring system keeps.
 */
public final class MicrometerChatMetrics implements ChatMetrics {
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger rooms = new AtomicInteger();
    private final Counter connectionsOpened;
    private final Counter messagesIn;
    private final Counter messagesOut;
    private final Counter messagesStored;
    private final Counter deliveries;
    private final Counter catchUps;
    private final Counter slowConsumerCloses;
    private final Timer appendOk;
    private final Timer appendFailed;
    private final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);

    /** Registers every meter in {@code registry} at once, so a scrape shows them before any traffic. */
    public MicrometerChatMetrics(MeterRegistry registry) {
        Gauge.builder("parley.connections", connections, AtomicInteger::get)
                .description("connections open now").register(registry);
        Gauge.builder("parley.rooms", rooms, AtomicInteger::get)
                .description("rooms active in this server's memory").register(registry);
        connectionsOpened = Counter.builder("parley.connections.opened")
                .description("connections accepted").register(registry);
        messagesIn = Counter.builder("parley.messages.in")
                .description("protocol messages (frames) received from clients").register(registry);
        messagesOut = Counter.builder("parley.messages.out")
                .description("protocol messages (frames) sent to clients").register(registry);
        messagesStored = Counter.builder("parley.messages.stored")
                .description("chat messages stored, duplicates not counted").register(registry);
        deliveries = Counter.builder("parley.deliveries")
                .description("message pushes handed to member connections").register(registry);
        catchUps = Counter.builder("parley.slow.reader.catchups")
                .description("members fed from the log again after their connection drained").register(registry);
        slowConsumerCloses = Counter.builder("parley.slow.consumer.closes")
                .description("connections closed with 4000: behind what the log retains").register(registry);
        appendOk = appendTimer(registry, "ok");
        appendFailed = appendTimer(registry, "failed");
        for (ErrorCode code : ErrorCode.values()) {
            errors.put(code, Counter.builder("parley.errors").tag("code", code.name())
                    .description("error frames sent, by protocol error code").register(registry));
        }
    }

    private static Timer appendTimer(MeterRegistry registry, String outcome) {
        return Timer.builder("parley.store.append")
                .tag("outcome", outcome)
                .description("time from handing a message to the sequencer until the store completed it")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    @Override
    public void onConnectionOpened() {
        connections.incrementAndGet();
        connectionsOpened.increment();
    }

    @Override
    public void onConnectionClosed() {
        connections.decrementAndGet();
    }

    @Override
    public void onRoomOpened() {
        rooms.incrementAndGet();
    }

    @Override
    public void onRoomClosed() {
        rooms.decrementAndGet();
    }

    @Override
    public void onFrameReceived() {
        messagesIn.increment();
    }

    @Override
    public void onFrameSent() {
        messagesOut.increment();
    }

    @Override
    public void onMessageStored(String room) {
        messagesStored.increment();
    }

    @Override
    public void onMessageDelivered() {
        deliveries.increment();
    }

    @Override
    public void onSlowReaderCatchUp() {
        catchUps.increment();
    }

    @Override
    public void onSlowConsumerClosed() {
        slowConsumerCloses.increment();
    }

    @Override
    public void onStoreAppend(Duration latency, boolean failed) {
        (failed ? appendFailed : appendOk).record(latency);
    }

    @Override
    public void onError(ErrorCode code) {
        errors.get(code).increment();
    }
}
