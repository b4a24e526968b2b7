package dev.parley.chat.benchmarks.load;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A resume storm: {@code --clients} clients spread over {@code --rooms} rooms, each {@code
 * --behind} messages behind, reconnect at once and resume with {@code join} and {@code since}
 * (PROTOCOL.md, "Resume"), against Parley as a child process on the in-memory store and on the
 * file store ({@code FSYNC}).
 *
 * <p>Per run: one publisher per room writes {@code --history} messages; every client connects,
 * joins its room (client {@code i} joins room {@code i % rooms}) and disconnects; the publishers
 * write {@code --behind} more to every room; then all clients reconnect, with at most {@code
 * --in-flight} connections opening at once per client thread, each resuming after the head it had
 * seen. Reported: the time from the first reconnect to the last {@code joined} reply (every
 * client live again), and after one more live message per room, the gaps (messages neither in
 * the {@code joined} reply nor pushed), duplicates, reorders and replies that were not {@code
 * recovered} (all must be 0), and the server's CPU seconds during the storm.
 *
 * <pre>
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.load.ResumeStorm \
 *     --clients 5000 --rooms 50 --behind 100 --targets parley,parley-file
 * </pre>
 *
 * <p>Exit code 0 when every run was clean; 1 otherwise; 2 for bad options.
 */
@Command(name = "resume-storm", mixinStandardHelpOptions = true,
        description = "Clients that reconnect at once and resume with since: time until all are live, gaps, duplicates.")
public final class ResumeStorm implements Callable<Integer> {

    @Option(names = "--clients", description = "clients that reconnect (default: ${DEFAULT-VALUE})")
    int clients = 5_000;

    @Option(names = "--rooms", description = "rooms the clients are spread over (default: ${DEFAULT-VALUE})")
    int rooms = 50;

    @Option(names = "--behind", description = "messages each client missed (default: ${DEFAULT-VALUE})")
    int behind = 100;

    @Option(names = "--history", description = "messages in each room before the clients first join (default: ${DEFAULT-VALUE})")
    int history = 50;

    @Option(names = "--rounds", description = "runs per peer (default: ${DEFAULT-VALUE})")
    int rounds = 1;

    @Option(names = "--targets", split = ",", converter = Peer.Converter.class,
            description = "parley and/or parley-file (default: parley,parley-file)")
    List<Peer> targets = List.of(Peer.PARLEY, Peer.PARLEY_FILE);

    @Option(names = "--in-flight", description = "connections opening at once per client thread (default: ${DEFAULT-VALUE})")
    int inFlight = 32;

    @Option(names = "--client-threads", description = "selector threads of the clients (default: ${DEFAULT-VALUE})")
    int clientThreads = 1;

    @Option(names = "--body-bytes", description = "message body size (default: ${DEFAULT-VALUE})")
    int bodyBytes = 100;

    @Option(names = "--parley-jar", description = "the example server's jar (default: ${DEFAULT-VALUE})")
    Path parleyJar = Path.of("chat-examples/target/parley-server.jar");

    @Option(names = "--server-jvm-opt", description = "an option for the server's JVM (repeatable)")
    List<String> serverJvmOpts = new ArrayList<>();

    @Option(names = "--parley-opt", description = "an extra option for the example server (repeatable)")
    List<String> parleyOpts = new ArrayList<>();

    /** Runs the scenario; see the class comment for the command. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new ResumeStorm()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<String> problems = new ArrayList<>();
        if (clients < 1 || clients > 100_000 || rooms < 1 || rooms > clients || behind < 1 || history < 0
                || rounds < 1 || inFlight < 1 || clientThreads < 1 || clientThreads > 64) {
            problems.add("--clients in [1, 100000], --rooms in [1, clients], --behind at least 1, --history at least 0, "
                    + "--rounds, --in-flight at least 1 and --client-threads in [1, 64]");
        }
        if (targets.isEmpty() || targets.stream().anyMatch(p -> !p.parley())) {
            problems.add("--targets was " + targets + " but must be parley and/or parley-file (resuming is Parley's protocol)");
        }
        if (bodyBytes < WireBytes.TIME_DIGITS || bodyBytes > 4096) {
            problems.add("--body-bytes was " + bodyBytes + " but must be in [" + WireBytes.TIME_DIGITS + ", 4096]");
        }
        if (!parleyJar.toFile().isFile()) {
            problems.add("--parley-jar " + parleyJar + " is not a file; build chat-examples first");
        }
        if (!problems.isEmpty()) {
            problems.forEach(p -> System.err.println("resume-storm: " + p));
            return 2;
        }
        Servers servers = new Servers(parleyJar, serverJvmOpts, parleyOpts, null, null);
        System.out.printf(Locale.ROOT, "resume storm: %d clients in %d rooms, %d behind (after %d), %d opening at once "
                        + "per thread, %d client thread(s), %d cores%n", clients, rooms, behind, history, inFlight,
                clientThreads, Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%-11s %5s %8s %6s %10s %10s %8s %5s %7s %12s %9s %5s%n", "server", "round",
                "clients", "rooms", "live s", "resumed", "gaps", "dup", "reorder", "unrecovered", "srvCPU s", "load");
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
            String stamp = Long.toString(System.currentTimeMillis(), 36);
            List<String> roomNames = new ArrayList<>();
            List<Publisher> pubs = new ArrayList<>();
            AtomicLong allSent = new AtomicLong();
            try {
                for (int r = 0; r < rooms; r++) {
                    roomNames.add("storm-" + r + "-" + stamp);
                    pubs.add(Publisher.connect(Flavor.PARLEY, server.address(), server.path(), roomNames.get(r), r, 1, 1,
                            allSent, bodyBytes));
                }
                String problem = publishEach(pubs, history);

                // Every client becomes a member once (so its user is in the room's presence), then goes away.
                Subscribers first = new Subscribers(Flavor.PARLEY, server.address(), server.path(), roomNames, -1, 1,
                        clients, clientThreads, inFlight);
                try {
                    first.start(Duration.ofSeconds(300));
                } finally {
                    Subscribers.Result r = first.stop(history);
                    if (problem == null && r.firstProblem() != null) {
                        problem = "first join: " + r.firstProblem();
                    }
                }
                if (problem == null) {
                    problem = publishEach(pubs, behind);
                }

                Subscribers storm = new Subscribers(Flavor.PARLEY, server.address(), server.path(), roomNames, history, 1,
                        clients, clientThreads, inFlight);
                long cpuBefore = server.cpuNanos();
                long t0 = System.nanoTime();
                double liveSeconds = Double.NaN;
                long cpuAfter = -2;
                try {
                    storm.start(Duration.ofSeconds(300));
                    liveSeconds = (storm.lastReadyNanos() - t0) / 1e9;
                    cpuAfter = server.cpuNanos();
                } catch (java.io.IOException e) {
                    if (problem == null) {
                        problem = e.getMessage();
                    }
                }
                // One live message per room after the storm: it must follow the resumed ones directly.
                if (problem == null) {
                    problem = publishEach(pubs, 1);
                }
                long expected = (long) clients * (behind + 1);
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (storm.delivered() < expected && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                long resumed = storm.delivered();
                Subscribers.Result seen = storm.stop(history + behind + 1);
                if (problem == null) {
                    problem = seen.firstProblem();
                }
                boolean clean = problem == null && seen.lost() == 0 && seen.duplicates() == 0 && seen.reordered() == 0
                        && seen.errors() == 0 && seen.closedEarly() == 0;
                System.out.printf(Locale.ROOT, "%-11s %5d %8d %6d %10.2f %10d %8d %5d %7d %12d %9s %5.1f%s%n",
                        peer.label(), round, clients, rooms, liveSeconds, resumed, seen.lost(), seen.duplicates(),
                        seen.reordered(), seen.errors(),
                        cpuBefore < 0 || cpuAfter < cpuBefore ? "-"
                                : String.format(Locale.ROOT, "%.2f", (cpuAfter - cpuBefore) / 1e9),
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                        problem == null ? "" : "   ! " + problem);
                return clean;
            } finally {
                for (Publisher pub : pubs) {
                    pub.close();
                }
            }
        }
    }

    /** Each publisher publishes {@code count} more messages; returns the first problem, or null once all are acknowledged. */
    private static String publishEach(List<Publisher> pubs, int count) throws Exception {
        if (count == 0) {
            return null;
        }
        long start = System.nanoTime();
        for (Publisher pub : pubs) {
            pub.publish(Long.MAX_VALUE, pub.sent() + count, 0, 64, null, 0, start);
        }
        for (Publisher pub : pubs) {
            if (!pub.awaitAcks(60_000_000_000L)) {
                return pub.problem() != null ? pub.problem() : (pub.sent() - pub.acked()) + " publishes never acknowledged";
            }
        }
        return null;
    }
}
