package dev.parley.chat.benchmarks;

import dev.parley.chat.Message;
import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.CommandDecoder;
import dev.parley.chat.protocol.ServerFrames;
import dev.parley.chat.spi.OutboundFrame;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The protocol codec: decoding a client's {@code publish} (with the hardened parser and every
 * check of step 1) and encoding a {@code message} push, 100-byte bodies.
 *
 * <p>Run: {@code java -jar chat-benchmarks/target/benchmarks.jar CodecBenchmark -f 1 -wi 3 -i 5}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CodecBenchmark {
    private final CommandDecoder decoder = new CommandDecoder(65_536, 4096);
    private final String publish = "{\"type\":\"publish\",\"room\":\"general\",\"body\":\"" + "x".repeat(100)
            + "\",\"cid\":\"c-123456\",\"ref\":42}";
    private final Message message = new Message("general", 42, "m-0mjuohs003emi1p9zi1xgv", "alice", "x".repeat(100),
            1_767_225_600_000L, dev.parley.chat.MessageKind.TEXT, "c-123456", 0, 0, null);

    @Benchmark
    public Command decodePublish() {
        return decoder.decode(publish);
    }

    @Benchmark
    public OutboundFrame encodeMessagePush() {
        return ServerFrames.message(message);
    }
}
