package dev.parley.chat.benchmarks.store;

import dev.parley.chat.Message;
import dev.parley.chat.store.file.Durability;
import dev.parley.chat.store.file.FileMessageStore;
import dev.parley.chat.store.file.FileStoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * Reading a room of the file store by seq: the latest 50 messages (what a join shows) and the
 * latest 10 000 (what the sequencer reads to rebuild its cid window), on a room of {@code
 * messages} messages.
 *
 * <p>Run (after {@code ./mvnw -B -q install -DskipTests}):
 *
 * <pre>
 * java -jar chat-benchmarks/target/benchmarks.jar FileStoreReadBenchmark -p messages=1000000
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class FileStoreReadBenchmark {
    /** The room's size. */
    @Param("1000000")
    public long messages;

    private Path dir;
    private FileMessageStore store;

    /** Writes the room once per trial and opens it with the default options. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory(Path.of("/work"), "parley-read-bench");
        try (FileMessageStore writer = FileMessageStore.open(dir,
                FileStoreOptions.builder().durability(Durability.NONE).build())) {
            writer.create("big", "", 1L);
            CompletableFuture<Void> last = null;
            for (long s = 1; s <= messages; s++) {
                last = writer.append(FileStoreLoad.message("big", s));
                if (s % 65_536 == 0) {
                    last.join();
                }
            }
            last.join();
        }
        store = FileMessageStore.open(dir);
    }

    /** Closes the store and deletes the room. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        store.close();
        FileStoreLoad.deleteTree(dir);
    }

    /** The latest 50 messages, as a join's history page reads them. */
    @Benchmark
    public List<Message> latest50() {
        return store.readBefore("big", Long.MAX_VALUE, 50);
    }

    /** The latest 10 000 messages, as the sequencer reads them to rebuild its cid window. */
    @Benchmark
    public List<Message> latest10000() {
        return store.readBefore("big", Long.MAX_VALUE, 10_000);
    }
}
