package dev.parley.chat.benchmarks.load;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What an idle connection costs a server: opens {@code --connections} WebSocket connections to a
 * fresh server (for Parley: handshake and {@code hello} done, no room; for the raw server and Bun:
 * the handshake), waits for them to settle, and reports the server's resident memory per
 * connection ({@code VmRSS} of {@code /proc/PID/status}, minus its value before connecting) and,
 * for the JVMs, the live heap per connection (the total of {@code jcmd PID GC.class_histogram},
 * which runs a full GC first, minus the same before connecting). Servers run as child processes,
 * one at a time; the order rotates from round to round.
 *
 * <pre>
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.load.IdleConnections \
 *     --connections 10000 --rounds 1 --settle-seconds 3
 * </pre>
 *
 * <p>Each connection takes a file descriptor in the server and one in this JVM: both need {@code
 * ulimit -n} above {@code --connections} (plus a few hundred); the children inherit this
 * program's limit, so raise it in the shell that starts it ({@code ulimit -n 20000}). Exit code 0
 * when every connection was opened and none was closed by the server; 1 otherwise; 2 for bad
 * options.
 */
@Command(name = "idle-connections", mixinStandardHelpOptions = true,
        description = "Server memory per idle WebSocket connection: Parley, the raw Java-WebSocket server and Bun.")
public final class IdleConnections implements Callable<Integer> {

    @Option(names = "--connections", description = "idle connections to open (default: ${DEFAULT-VALUE})")
    int connections = 10_000;

    @Option(names = "--rounds", description = "runs per peer (default: ${DEFAULT-VALUE})")
    int rounds = 1;

    @Option(names = "--settle-seconds", description = "wait after the last connection before measuring (default: ${DEFAULT-VALUE})")
    int settleSeconds = 3;

    @Option(names = "--targets", split = ",", converter = Peer.Converter.class,
            description = "peers: parley, parley-file, raw, bun (default: parley,raw,bun)")
    List<Peer> targets = List.of(Peer.PARLEY, Peer.RAW, Peer.BUN);

    @Option(names = "--client-threads", description = "selector threads holding the connections (default: ${DEFAULT-VALUE})")
    int clientThreads = 1;

    @Option(names = "--parley-jar", description = "the example server's jar (default: ${DEFAULT-VALUE})")
    Path parleyJar = Path.of("chat-examples/target/parley-server.jar");

    @Option(names = "--server-jvm-opt", description = "an option for the Java servers' JVMs (repeatable)")
    List<String> serverJvmOpts = new ArrayList<>();

    @Option(names = "--parley-opt", description = "an extra option for the example server (repeatable)")
    List<String> parleyOpts = new ArrayList<>();

    @Option(names = "--bun", description = "the bun binary, or the directory where `npm install bun` ran (default: $"
            + Servers.BUN_ENV + ", then chat-benchmarks/, then PATH)")
    Path bun;

    @Option(names = "--bun-script", description = "the broadcast server bun runs (default: bun/broadcast-server.js of this jar)")
    Path bunScript;

    /** Runs the scenario; see the class comment for the command. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new IdleConnections()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (connections < 1 || connections > 100_000 || rounds < 1 || settleSeconds < 0 || clientThreads < 1
                || clientThreads > 64 || targets.isEmpty()) {
            System.err.println("idle-connections: --connections must be in [1, 100000], --rounds at least 1, "
                    + "--settle-seconds at least 0, --client-threads in [1, 64], --targets not empty");
            return 2;
        }
        if (targets.stream().anyMatch(Peer::parley) && !parleyJar.toFile().isFile()) {
            System.err.println("idle-connections: --parley-jar " + parleyJar + " is not a file; build chat-examples first");
            return 2;
        }
        Optional<Path> bunBinary = targets.contains(Peer.BUN) ? Servers.findBun(bun) : Optional.empty();
        if (targets.contains(Peer.BUN) && bunBinary.isEmpty()) {
            System.out.println("bun: no binary found; Bun is skipped. `cd chat-benchmarks && npm install bun` installs it.");
            targets = targets.stream().filter(t -> t != Peer.BUN).toList();
        }
        Servers servers = new Servers(parleyJar, serverJvmOpts, parleyOpts, bunBinary.orElse(null), bunScript);
        System.out.printf(Locale.ROOT, "idle connections: %d per server, settle %d s, %d cores%n",
                connections, settleSeconds, Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%-11s %5s %11s %9s %12s %12s %12s %12s %12s %6s%n", "server", "round",
                "connections", "open s", "RSS before", "RSS after", "RSS/conn", "heap before", "heap after",
                "heap/conn");
        boolean clean = true;
        for (int round = 1; round <= rounds; round++) {
            List<Peer> order = new ArrayList<>(targets);
            Collections.rotate(order, -(round - 1));
            for (Peer peer : order) {
                clean &= runOnce(servers, peer, round);
            }
        }
        return clean ? 0 : 1;
    }

    private boolean runOnce(Servers servers, Peer peer, int round) throws Exception {
        try (TargetServer server = servers.start(peer, false)) {
            long pid = server.pid();
            Thread.sleep(1_000); // let the child finish starting (JIT, lazily loaded classes)
            boolean jvm = peer != Peer.BUN;
            long heapBefore = jvm ? ProcessStats.liveHeapBytes(pid) : -2;
            long rssBefore = ProcessStats.rssBytes(pid);
            List<String> noRoom = Collections.singletonList(null);
            Subscribers subs = new Subscribers(peer.flavor(), server.address(), server.path(), noRoom, -1, 1,
                    connections, clientThreads, 64);
            long t0 = System.nanoTime();
            String problem = null;
            try {
                subs.start(Duration.ofSeconds(300));
            } catch (java.io.IOException e) {
                problem = e.getMessage();
            }
            double openSeconds = (System.nanoTime() - t0) / 1e9;
            Thread.sleep(settleSeconds * 1_000L);
            long heapAfter = jvm ? ProcessStats.liveHeapBytes(pid) : -2;
            // After the heap histogram's full GC, so both JVM figures see the same heap.
            long rssAfter = ProcessStats.rssBytes(pid);
            int ready = subs.ready();
            Subscribers.Result seen = subs.stop(0);
            if (problem == null && seen.closedEarly() > 0) {
                problem = seen.closedEarly() + " connections closed by the server: " + seen.firstProblem();
            }
            System.out.printf(Locale.ROOT, "%-11s %5d %11d %9.1f %12s %12s %12s %12s %12s %9s%s%n", peer.label(), round,
                    ready, openSeconds, kib(rssBefore), kib(rssAfter), perConnection(rssBefore, rssAfter, ready),
                    kib(heapBefore), kib(heapAfter), perConnection(heapBefore, heapAfter, ready),
                    problem == null ? "" : "   ! " + problem);
            return problem == null && ready == connections;
        }
    }

    private static String kib(long bytes) {
        return bytes < 0 ? "-" : String.format(Locale.ROOT, "%.1f MB", bytes / 1024.0 / 1024.0);
    }

    private static String perConnection(long before, long after, int n) {
        return before < 0 || after < 0 || n == 0 ? "-"
                : String.format(Locale.ROOT, "%.2f KB", (after - before) / 1024.0 / n);
    }
}
