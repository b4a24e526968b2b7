package dev.parley.chat.benchmarks;

import dev.parley.chat.ChatServer;
import dev.parley.chat.benchmarks.CountingTransport.CountingConnection;
import dev.parley.chat.spi.Authenticator;
import dev.parley.chat.spi.MessageStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * In-process fan-out: one publisher, N members, 100-byte bodies, the in-memory store, a transport
 * that only counts. The score is deliveries (message pushes received by members) per second.
 *
 * <p>Run: {@code java -jar chat-benchmarks/target/benchmarks.jar FanOutBenchmark -f 1 -wi 3 -i 5}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FanOutBenchmark {
    /** Messages per benchmark invocation. */
    private static final int BATCH = 100;

    @Param({"1", "100", "1000"})
    public int members;

    private ChatServer server;
    private CountingConnection publisher;
    private final List<CountingConnection> connections = new ArrayList<>();
    private CountingConnection last;
    private String[] frames;

    @Setup(Level.Trial)
    public void setUp() {
        CountingTransport transport = new CountingTransport();
        server = ChatServer.builder()
                .store(MessageStore.inMemory(10_000))
                .authenticator(Authenticator.trustingUserNames())
                .publishPerSecond(1_000_000)
                .publishBurst(1_000_000)
                .dedupeWindow(0)
                .build();
        server.start(transport);
        for (int i = 0; i < members; i++) {
            CountingConnection c = transport.connect();
            c.fromClient("{\"type\":\"hello\",\"v\":1,\"user\":\"m" + i + "\"}");
            c.fromClient("{\"type\":\"join\",\"room\":\"bench\",\"recent\":0}");
            connections.add(c);
        }
        publisher = transport.connect();
        publisher.fromClient("{\"type\":\"hello\",\"v\":1,\"user\":\"publisher\"}");
        publisher.fromClient("{\"type\":\"join\",\"room\":\"bench\",\"recent\":0}");
        last = connections.get(connections.size() - 1);
        String body = "x".repeat(100);
        frames = new String[BATCH];
        for (int i = 0; i < BATCH; i++) {
            frames[i] = "{\"type\":\"publish\",\"room\":\"bench\",\"body\":\"" + body + "\"}";
        }
        awaitJoined();
    }

    private void awaitJoined() {
        // Every member's joined reply arrives before it counts messages; wait for them all.
        for (CountingConnection c : connections) {
            while (c.messages < 2) {
                Thread.onSpinWait();
            }
        }
    }

    /** Counts deliveries, so the report shows deliveries per second beside batches per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Deliveries {
        public long deliveries;
    }

    @Benchmark
    public void publishBatch(Deliveries counter) {
        long target = last.messages + BATCH;
        for (String frame : frames) {
            publisher.fromClient(frame);
        }
        while (last.messages < target) {
            Thread.onSpinWait();
        }
        counter.deliveries += (long) BATCH * members;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        server.close();
    }
}
