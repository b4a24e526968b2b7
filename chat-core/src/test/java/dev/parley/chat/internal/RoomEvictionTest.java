package dev.parley.chat.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.chat.spi.Connection;
import dev.parley.chat.spi.ConnectionHandler;
import dev.parley.chat.spi.Handshake;
import dev.parley.chat.spi.OutboundFrame;
import dev.parley.chat.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Rooms nobody uses leave memory: looking at many rooms costs nothing for long. */
@Timeout(30)
class RoomEvictionTest {

    @Test
    void roomsThatWereOnlyLookedAt_areEvictedWhenIdle_andJoinedOnesStay() throws Exception {
        AtomicLong now = new AtomicLong(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now.get());
            }
        };
        Engine engine = new Engine(configWith(clock));
        Pipe pipe = new Pipe();
        engine.start(List.of(pipe));
        ConnectionHandler alice = pipe.open();
        alice.onText("{\"type\":\"hello\",\"v\":1,\"user\":\"alice\"}");
        alice.onText("{\"type\":\"join\",\"room\":\"kept\"}");
        for (int i = 0; i < 50; i++) {
            alice.onText("{\"type\":\"history\",\"room\":\"looked-at-" + i + "\"}");
        }
        awaitTrue(() -> pipe.frames.size() >= 52);
        assertThat(engine.roomsInMemory()).isEqualTo(51);

        now.addAndGet(Duration.ofSeconds(61).toMillis());
        engine.sweepIdleRooms();
        awaitTrue(() -> engine.roomsInMemory() == 1);

        // The joined room still works after the others left memory.
        alice.onText("{\"type\":\"publish\",\"room\":\"kept\",\"body\":\"still here\",\"ref\":9}");
        awaitTrue(() -> pipe.frames.stream().anyMatch(f -> f.contains("\"published\"")));
        engine.close();
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    private static EngineConfig configWith(Clock clock) {
        dev.parley.chat.spi.MessageStore store = dev.parley.chat.spi.MessageStore.inMemory(1000);
        return new EngineConfig(store, dev.parley.chat.spi.Sequencer.local(store, 100), dev.parley.chat.spi.Presence.inMemory(),
                c -> c.user(), dev.parley.chat.spi.Authorizer.directRoomsPrivate(), List.of(), clock,
                Engine.defaultExecutor(), true, Engine.defaultScheduler(clock), true, 10, 20, 1000, 1000, 1 << 20, 4096, 65_536, 100, 50, 1000,
                6000, 5000, 10_000, 25_000, 100, 10, 100, true, 1024);
    }

    /** The smallest transport: one connection whose frames are kept as text. */
    private static final class Pipe implements Transport, Connection {
        final List<String> frames = new CopyOnWriteArrayList<>();
        private dev.parley.chat.spi.ConnectionAcceptor acceptor;

        @Override
        public void start(dev.parley.chat.spi.ConnectionAcceptor theAcceptor) {
            this.acceptor = theAcceptor;
        }

        ConnectionHandler open() {
            return acceptor.accept(this);
        }

        @Override
        public void close() {}

        @Override
        public String id() {
            return "pipe";
        }

        @Override
        public Handshake handshake() {
            return new Handshake("test", null);
        }

        @Override
        public boolean send(OutboundFrame frame) {
            frames.add(frame.text());
            return true;
        }

        @Override
        public long queuedBytes() {
            return 0;
        }

        @Override
        public void requestDrainNotice() {}

        @Override
        public void close(int code, String reason) {}
    }
}
