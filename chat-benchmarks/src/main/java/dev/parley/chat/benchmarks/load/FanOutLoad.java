package dev.parley.chat.benchmarks.load;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The WebSocket fan-out load test: one room, P publishers, N subscribers, over loopback, against
 * Parley (in-memory store and file store) and, in the same run, against a bare Java-WebSocket
 * broadcast server ({@link RawBroadcastServer}) and Bun's {@code server.publish}
 * ({@code bun/broadcast-server.js}, when a {@code bun} binary is found, see {@link Servers#findBun}),
 * so that Parley's figures can be read as ratios of its peers' on the same (noisy) machine at the
 * same moment.
 *
 * <p>For each scenario ({@code PxN}) and round it starts a fresh server of each peer in turn
 * (the order rotates from round to round, so a drift of the machine hits every peer alike),
 * connects the subscribers (one selector thread by default, see {@link Subscribers}) and the
 * publishers (a thread each), publishes 100-byte bodies for a warm-up and then a measured period
 * with a bounded window ({@link Publisher}), waits until every subscriber has every acknowledged
 * message, and prints: messages and deliveries per second in the measured period, end-to-end
 * latency (the send time written into each body, to the subscriber's read) at p50/p99/p99.9 and
 * its maximum, messages lost, duplicated and reordered summed over the subscribers (all must be
 * 0), the CPU of server and client in cores (1.00 = one core busy), the server's CPU time per
 * delivery in µs (= CPU seconds per million deliveries, from {@code /proc/PID/stat} of the server
 * process), and the machine's 1-minute load average at the end of the run. A summary gives each
 * peer's medians and Parley's ratios to the raw server (deliveries/s) and to Bun (CPU per delivery).
 *
 * <p>Build, then run (figures of BENCHMARKS.md, "Cost per delivery against Bun (issue 18)"):
 *
 * <pre>
 * ./mvnw -B -o -q -pl chat-benchmarks,chat-examples -am package -DskipTests
 * (cd chat-benchmarks &amp;&amp; npm install bun)   # once; the benchmark never downloads it
 *
 * # Saturated, 1 → 100 and 10 → 1 000, every peer, servers as child processes (the default):
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.load.FanOutLoad \
 *     --scenarios 1x100,10x1000 --rounds 3 --warmup-seconds 5 --duration-seconds 15
 *
 * # Latency at 500 msg/s into 100 subscribers:
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.load.FanOutLoad \
 *     --scenarios 1x100 --rate 500 --rounds 2 --warmup-seconds 3 --duration-seconds 10
 *
 * # Everything but Bun in this JVM (server CPU is then the process's minus the client's threads):
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.load.FanOutLoad --server in-process
 *
 * # A server started by hand (the pid, if given, adds its CPU to the table):
 * java -jar chat-examples/target/parley-server.jar --ws-port 0 --http-port -1 --store memory \
 *     --publish-rate 100000 --publish-burst 100000
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.load.RawBroadcastServer 0
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.load.FanOutLoad \
 *     --server external --url ws://127.0.0.1:PORT/ws --server-pid PID \
 *     --raw-url ws://127.0.0.1:RAWPORT/ws --raw-server-pid RAWPID --targets parley,raw
 *
 * # Profile the server under load (JFR in the child):
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.load.FanOutLoad \
 *     --targets parley --scenarios 1x100 --rounds 1 \
 *     --server-jvm-opt=-XX:StartFlightRecording=filename=/tmp/parley-fanout.jfr,settings=profile,dumponexit=true
 * jfr print --stack-depth 24 --events jdk.ExecutionSample /tmp/parley-fanout.jfr
 * </pre>
 *
 * <p>Targets 127.0.0.1 only. Exit code 0 when every run lost, duplicated and reordered nothing; 1
 * otherwise; 2 for bad options.
 */
@Command(name = "fan-out-load", mixinStandardHelpOptions = true,
        description = "WebSocket fan-out over loopback: Parley next to a raw Java-WebSocket broadcast server and Bun.")
public final class FanOutLoad implements Callable<Integer> {

    /** Where the servers run (Bun always as a child process). */
    enum Where {
        IN_PROCESS, PROCESS, EXTERNAL
    }

    /** One scenario: {@code publishers} publishers into one room of {@code subscribers} subscribers. */
    record Scenario(int publishers, int subscribers) {
        static Scenario parse(String text) {
            String[] parts = text.trim().toLowerCase(Locale.ROOT).split("x");
            try {
                if (parts.length == 2) {
                    return new Scenario(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new CommandLine.TypeConversionException("was '" + text + "' but must be PUBLISHERSxSUBSCRIBERS, e.g. 10x1000");
        }

        @Override
        public String toString() {
            return publishers + "x" + subscribers;
        }
    }

    @Option(names = "--scenarios", split = ",", converter = ScenarioConverter.class,
            description = "PUBLISHERSxSUBSCRIBERS, each a series of runs (default: 1x100,10x1000)")
    List<Scenario> scenarios = List.of(new Scenario(1, 100), new Scenario(10, 1000));

    @Option(names = "--subscribers", split = ",", description = "instead of --scenarios: these subscriber counts, each with --publishers publishers")
    List<Integer> subscribers;

    @Option(names = "--publishers", description = "with --subscribers: publishers per room (default: ${DEFAULT-VALUE})")
    int publishers = 1;

    @Option(names = "--rounds", description = "runs per peer and scenario, peers rotating (default: ${DEFAULT-VALUE})")
    int rounds = 3;

    @Option(names = "--targets", split = ",", converter = Peer.Converter.class,
            description = "peers: parley, parley-file, raw, bun (skipped with a note when no bun binary is found) "
                    + "(default: parley,parley-file,raw,bun)")
    List<Peer> targets = List.of(Peer.PARLEY, Peer.PARLEY_FILE, Peer.RAW, Peer.BUN);

    @Option(names = "--server", description = "process (child processes, the default), in-process (Bun still a child) "
            + "or external (--url/--raw-url)", converter = WhereConverter.class)
    Where where = Where.PROCESS;

    @Option(names = "--warmup-seconds", description = "publishing before the measured period (default: ${DEFAULT-VALUE})")
    int warmupSeconds = 5;

    @Option(names = "--duration-seconds", description = "the measured period (default: ${DEFAULT-VALUE})")
    int durationSeconds = 15;

    @Option(names = "--messages", description = "stop the measured period after this many messages (all publishers), 0 for no limit (default: ${DEFAULT-VALUE})")
    long messages = 0;

    @Option(names = "--rate", description = "messages per second of all publishers together, 0 for as fast as the window allows (default: ${DEFAULT-VALUE})")
    long rate = 0;

    @Option(names = "--window", description = "messages the publishers together may have undelivered (each its share unacknowledged) (default: ${DEFAULT-VALUE})")
    int window = 64;

    @Option(names = "--body-bytes", description = "message body size (default: ${DEFAULT-VALUE})")
    int bodyBytes = 100;

    @Option(names = "--client-threads", description = "selector threads serving the subscribers (default: ${DEFAULT-VALUE})")
    int clientThreads = 1;

    @Option(names = "--parley-jar", description = "the example server's jar, for Parley as a process (default: ${DEFAULT-VALUE})")
    Path parleyJar = Path.of("chat-examples/target/parley-server.jar");

    @Option(names = "--server-jvm-opt", description = "an option for the Java servers' JVMs (repeatable)")
    List<String> serverJvmOpts = new ArrayList<>();

    @Option(names = "--parley-opt", description = "an extra option for the example server (repeatable), e.g. --parley-opt=--max-outbound-bytes=4194304")
    List<String> parleyOpts = new ArrayList<>();

    @Option(names = "--bun", description = "the bun binary, or the directory where `npm install bun` ran (default: $"
            + Servers.BUN_ENV + ", then chat-benchmarks/, then PATH)")
    Path bun;

    @Option(names = "--bun-script", description = "the broadcast server bun runs (default: bun/broadcast-server.js of this jar)")
    Path bunScript;

    @Option(names = "--url", description = "with --server external: the Parley server, ws://127.0.0.1:PORT/ws")
    URI url;

    @Option(names = "--server-pid", description = "with --url: the Parley server's pid, for its CPU")
    long serverPid;

    @Option(names = "--raw-url", description = "with --server external: the raw broadcast server, ws://127.0.0.1:PORT/ws")
    URI rawUrl;

    @Option(names = "--raw-server-pid", description = "with --raw-url: its pid, for its CPU")
    long rawServerPid;

    private Servers servers;

    /** Parses {@code in-process}, {@code process}, {@code external}. */
    static final class WhereConverter implements CommandLine.ITypeConverter<Where> {
        @Override
        public Where convert(String value) {
            return Where.valueOf(value.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    /** Parses {@code PxN}. */
    static final class ScenarioConverter implements CommandLine.ITypeConverter<Scenario> {
        @Override
        public Scenario convert(String value) {
            return Scenario.parse(value);
        }
    }

    /** Runs the load test; see the class comment for the commands. */
    public static void main(String[] args) {
        // The servers in this JVM log at INFO per start and stop; only problems belong in the output.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        System.exit(new CommandLine(new FanOutLoad()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (subscribers != null) {
            scenarios = subscribers.stream().map(n -> new Scenario(publishers, n)).toList();
        }
        List<String> problems = validate();
        if (!problems.isEmpty()) {
            problems.forEach(p -> System.err.println("fan-out-load: " + p));
            return 2;
        }
        Optional<Path> bunBinary = targets.contains(Peer.BUN) ? Servers.findBun(bun) : Optional.empty();
        if (targets.contains(Peer.BUN) && bunBinary.isEmpty()) {
            System.out.println("bun: no binary found (--bun, $" + Servers.BUN_ENV
                    + ", chat-benchmarks/node_modules, PATH); Bun is skipped. `cd chat-benchmarks && npm install bun` installs it.");
            targets = targets.stream().filter(t -> t != Peer.BUN).toList();
        }
        servers = new Servers(parleyJar, serverJvmOpts, parleyOpts, bunBinary.orElse(null), bunScript);
        System.out.printf(Locale.ROOT, "fan-out: %s servers, %d-byte bodies, window %d, %s, "
                        + "warm-up %d s, measured %d s%s, %d client thread(s), %d cores%s%n",
                where.name().toLowerCase(Locale.ROOT).replace('_', '-'), bodyBytes, window,
                rate > 0 ? rate + " msg/s in all" : "as fast as the window allows", warmupSeconds, durationSeconds,
                messages > 0 ? " or " + messages + " messages" : "", clientThreads,
                Runtime.getRuntime().availableProcessors(),
                bunBinary.map(b -> ", bun " + b).orElse(""));
        System.out.println(RunResult.HEADER);
        List<RunResult> results = new ArrayList<>();
        for (Scenario scenario : scenarios) {
            for (int round = 1; round <= rounds; round++) {
                // Rotate which peer goes first, so a drift of the machine hits them all alike.
                List<Peer> order = new ArrayList<>(targets);
                Collections.rotate(order, -(round - 1));
                for (Peer peer : order) {
                    RunResult r = runOnce(peer, scenario, round);
                    System.out.println(r.row());
                    results.add(r);
                }
            }
        }
        printSummary(results);
        boolean clean = results.stream().allMatch(RunResult::clean);
        return clean ? 0 : 1;
    }

    private List<String> validate() {
        List<String> problems = new ArrayList<>();
        if (scenarios.isEmpty() || scenarios.stream().anyMatch(s -> s.subscribers() < 1 || s.subscribers() > 20_000
                || s.publishers() < 1 || s.publishers() > 1_000)) {
            problems.add("scenarios were " + scenarios + " but each must have publishers in [1, 1000] and subscribers in [1, 20000]");
        }
        if (rounds < 1) {
            problems.add("--rounds was " + rounds + " but must be at least 1");
        }
        if (targets.isEmpty()) {
            problems.add("--targets must name at least one of parley, parley-file, raw, bun");
        }
        if (warmupSeconds < 0 || durationSeconds < 1) {
            problems.add("--warmup-seconds must be at least 0 and --duration-seconds at least 1");
        }
        if (window < 1 || window > 100_000) {
            problems.add("--window was " + window + " but must be in [1, 100000]");
        }
        if (bodyBytes < WireBytes.TIME_DIGITS || bodyBytes > 4096) {
            problems.add("--body-bytes was " + bodyBytes + " but must be in [" + WireBytes.TIME_DIGITS + ", 4096]");
        }
        if (clientThreads < 1 || clientThreads > 64) {
            problems.add("--client-threads was " + clientThreads + " but must be in [1, 64]");
        }
        if (rate < 0 || messages < 0) {
            problems.add("--rate and --messages must not be negative");
        }
        for (Scenario s : scenarios) {
            if (rate > 0 && rate < s.publishers()) {
                problems.add("--rate was " + rate + " but must be at least the publishers of " + s + " (each publishes rate / publishers)");
            }
        }
        if (where == Where.EXTERNAL) {
            if (targets.contains(Peer.PARLEY_FILE) || targets.contains(Peer.BUN)) {
                problems.add("--server external measures parley (--url) and raw (--raw-url) only; pass --targets");
            }
            if (targets.contains(Peer.PARLEY) && url == null) {
                problems.add("--server external measures Parley only with --url (or use --targets raw)");
            }
            if (targets.contains(Peer.RAW) && rawUrl == null) {
                problems.add("--server external measures the raw server only with --raw-url (or use --targets parley)");
            }
            for (URI u : new URI[] {url, rawUrl}) {
                if (u != null && !("ws".equals(u.getScheme()) && u.getPort() > 0
                        && ("127.0.0.1".equals(u.getHost()) || "localhost".equals(u.getHost())))) {
                    problems.add("url was " + u + " but must be ws://127.0.0.1:PORT/PATH (loopback only)");
                }
            }
        } else if (url != null || rawUrl != null) {
            problems.add("--url and --raw-url need --server external");
        }
        if (where == Where.PROCESS && targets.stream().anyMatch(Peer::parley) && !parleyJar.toFile().isFile()) {
            problems.add("--parley-jar " + parleyJar + " is not a file; build chat-examples first");
        }
        return problems;
    }

    private RunResult runOnce(Peer peer, Scenario scenario, int round) throws Exception {
        Flavor flavor = peer.flavor();
        int n = scenario.subscribers();
        int p = scenario.publishers();
        int streams = flavor.streams(p);
        // A room of its own per run, so a reused external server starts each run from an empty room.
        String room = "load-" + scenario + "-" + round + "-" + Long.toString(System.currentTimeMillis(), 36);
        try (TargetServer server = startServer(peer)) {
            Subscribers subs = new Subscribers(flavor, server.address(), server.path(), List.of(room), -1, streams,
                    n, clientThreads, 32);
            List<Publisher> pubs = new ArrayList<>();
            try {
                subs.start(Duration.ofSeconds(120));
                AtomicLong allSent = new AtomicLong();
                for (int i = 0; i < p; i++) {
                    pubs.add(Publisher.connect(flavor, server.address(), server.path(), room, i, p, streams, allSent,
                            bodyBytes));
                }
                // Joins send presence pushes to every member (N² in all); let them drain first.
                Thread.sleep(500);

                long start = System.nanoTime();
                long from = start + warmupSeconds * 1_000_000_000L;
                long planned = from + durationSeconds * 1_000_000_000L;
                subs.measureBetween(from, messages > 0 ? Long.MAX_VALUE : planned);
                long perPublisherRate = rate > 0 ? Math.max(1, rate / p) : 0;
                long perPublisherMessages = messages > 0 ? (messages + p - 1) / p : 0;
                long[] sentAtFrom = new long[p];
                AtomicReference<Exception> failure = new AtomicReference<>();
                List<Thread> threads = new ArrayList<>();
                for (int i = 0; i < p; i++) {
                    int index = i;
                    Publisher pub = pubs.get(i);
                    Thread t = new Thread(() -> {
                        try {
                            pub.publish(from, 0, perPublisherRate, window, subs, n, start);
                            sentAtFrom[index] = pub.sent();
                            pub.publish(planned, perPublisherMessages > 0 ? pub.sent() + perPublisherMessages : 0,
                                    perPublisherRate, window, subs, n, start);
                        } catch (Exception e) {
                            failure.compareAndSet(null, e);
                        }
                    }, "load-publisher-" + i);
                    t.setDaemon(true);
                    threads.add(t);
                }
                threads.forEach(Thread::start);
                sleepUntil(from);
                Cpu before = cpu(server, subs, pubs);
                Cpu after;
                if (messages > 0) {
                    for (Thread t : threads) {
                        t.join();
                    }
                    after = cpu(server, subs, pubs);
                } else {
                    sleepUntil(planned);
                    after = cpu(server, subs, pubs);
                    for (Thread t : threads) {
                        t.join();
                    }
                }
                long sent = 0;
                for (int i = 0; i < p; i++) {
                    sent += pubs.get(i).sent() - sentAtFrom[i];
                }

                boolean acked = true;
                for (Publisher pub : pubs) {
                    acked &= pub.awaitAcks(15_000_000_000L);
                }
                long drainDeadline = System.nanoTime() + 15_000_000_000L;
                while (subs.delivered() < allSent.get() * n && System.nanoTime() < drainDeadline) {
                    Thread.sleep(2);
                }
                long end = messages > 0 ? System.nanoTime() : planned;
                if (messages > 0) {
                    subs.measureBetween(from, end); // deliveries after the drain are not measured
                }
                long[] lastSeq = new long[streams];
                String problem = failure.get() == null ? null : failure.get().toString();
                for (int i = 0; i < p; i++) {
                    Publisher pub = pubs.get(i);
                    if (streams == 1) {
                        lastSeq[0] = Math.max(lastSeq[0], pub.lastSeq());
                    } else {
                        lastSeq[i] = pub.lastSeq() / streams;
                    }
                    if (problem == null) {
                        problem = pub.problem();
                    }
                    if (problem == null && pub.acked() < pub.sent()) {
                        problem = (pub.sent() - pub.acked()) + " publishes never acknowledged";
                    }
                }
                if (!acked && problem == null) {
                    problem = "publishes never acknowledged";
                }
                Subscribers.Result seen = subs.stop(lastSeq);
                if (problem == null) {
                    problem = seen.firstProblem();
                }
                double seconds = (messages > 0 ? end - from : planned - from) / 1e9;
                double wall = (after.wallNanos - before.wallNanos);
                double serverCpuNanos = before.server < 0 || after.server < before.server
                        ? Double.NaN : after.server - before.server;
                double microsPerDelivery = seen.measured() == 0 ? Double.NaN : serverCpuNanos / 1_000.0 / seen.measured();
                return new RunResult(peer, server.where(), scenario, round, sent / seconds,
                        seen.measured() / seconds, seen.latency(), seen.lost(), seen.duplicates(), seen.reordered(),
                        seen.errors(), seen.closedEarly(), seen.frameBytes(), cores(before.server, after.server, wall),
                        microsPerDelivery, cores(before.client, after.client, wall),
                        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), problem);
            } finally {
                for (Publisher pub : pubs) {
                    pub.close();
                }
                subs.stop(0);
            }
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, left / 1_000_000), 0);
        }
    }

    private TargetServer startServer(Peer peer) throws Exception {
        if (where == Where.EXTERNAL) {
            return peer == Peer.PARLEY
                    ? TargetServer.external(url, serverPid)
                    : TargetServer.external(rawUrl, rawServerPid);
        }
        return servers.start(peer, where == Where.IN_PROCESS);
    }

    /** CPU times at one moment, in nanoseconds; negative when unknown. */
    private record Cpu(long wallNanos, long server, long client) {}

    private Cpu cpu(TargetServer server, Subscribers subs, List<Publisher> pubs) {
        long wall = System.nanoTime();
        long threads = subs.cpuNanos();
        for (Publisher pub : pubs) {
            long reader = pub.readerCpuNanos();
            long writer = pub.writerCpuNanos();
            threads = threads < 0 || reader < 0 || writer < 0 ? -2 : threads + reader + writer;
        }
        long process = processCpuNanos();
        if (server.pid() == ProcessHandle.current().pid()) {
            // The server is in this JVM: what the process used beyond the client's own threads
            // (GC and JIT of both sides included).
            return new Cpu(wall, process < 0 || threads < 0 ? -2 : process - threads, threads);
        }
        return new Cpu(wall, server.cpuNanos(), process);
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -2;
    }

    /** CPU used between two readings, in cores (1.0 = one core busy all the time). */
    private static double cores(long before, long after, double wallNanos) {
        return before < 0 || after < before || wallNanos <= 0 ? Double.NaN : (after - before) / wallNanos;
    }

    private void printSummary(List<RunResult> results) {
        System.out.println();
        System.out.println("summary (median of rounds; xraw = deliveries/s over raw's; xbun = server CPU per delivery over Bun's)");
        for (Scenario scenario : scenarios) {
            double rawRate = median(results, Peer.RAW, scenario, RunResult::deliveriesPerSecond);
            double bunCost = median(results, Peer.BUN, scenario, RunResult::microsPerDelivery);
            for (Peer peer : targets) {
                double d = median(results, peer, scenario, RunResult::deliveriesPerSecond);
                double cost = median(results, peer, scenario, RunResult::microsPerDelivery);
                double p99 = median(results, peer, scenario, r -> r.micros(0.99));
                long unclean = results.stream().filter(r -> r.peer() == peer && r.scenario().equals(scenario) && !r.clean()).count();
                System.out.printf(Locale.ROOT, "%-9s %-11s %10s/s  %7s µs/delivery  p99 %9.0f µs  xraw %5s  xbun %5s  "
                                + "runs with losses/dupes/reorders/errors: %d%n",
                        scenario, peer.label(), RunResult.human(d), fixed(cost, 3), p99,
                        fixed(d / rawRate, 2), fixed(cost / bunCost, 2), unclean);
            }
        }
    }

    private static String fixed(double v, int decimals) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static double median(List<RunResult> results, Peer peer, Scenario scenario, ToDoubleFunction<RunResult> f) {
        double[] v = results.stream()
                .filter(r -> r.peer() == peer && r.scenario().equals(scenario))
                .mapToDouble(f).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** One run's figures. */
    record RunResult(Peer peer, String where, Scenario scenario, int round, double messagesPerSecond,
            double deliveriesPerSecond, Histogram latency, long lost, long duplicates, long reordered, long errors,
            int closedEarly, int frameBytes, double serverCores, double microsPerDelivery, double clientCores,
            double loadAverage, String problem) {

        static final String HEADER = String.format(Locale.ROOT,
                "%-11s %-10s %8s %5s %9s %12s %8s %8s %9s %9s %6s %5s %7s %6s %6s %6s %8s %6s %5s",
                "server", "where", "pubxsubs", "round", "msg/s", "deliveries/s", "p50 µs", "p99 µs", "p99.9 µs",
                "max µs", "lost", "dup", "reorder", "closed", "frameB", "srvCPU", "µs/dlv", "cliCPU", "load");

        boolean clean() {
            return lost == 0 && duplicates == 0 && reordered == 0 && errors == 0 && closedEarly == 0 && problem == null;
        }

        String row() {
            String line = String.format(Locale.ROOT,
                    "%-11s %-10s %8s %5d %9.0f %12s %8.0f %8.0f %9.0f %9.0f %6d %5d %7d %6d %6d %6s %8s %6s %5.1f",
                    peer.label(), where, scenario, round, messagesPerSecond,
                    human(deliveriesPerSecond), micros(0.5), micros(0.99), micros(0.999), maxMicros(), lost, duplicates,
                    reordered, closedEarly, frameBytes, coresText(serverCores), fixed(microsPerDelivery, 3),
                    coresText(clientCores), loadAverage);
            return problem == null ? line : line + "   ! " + problem;
        }

        double micros(double quantile) {
            return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(quantile * 100) / 1_000.0;
        }

        private double maxMicros() {
            return latency.getTotalCount() == 0 ? Double.NaN : latency.getMaxValue() / 1_000.0;
        }

        private static String coresText(double cores) {
            return Double.isNaN(cores) ? "-" : String.format(Locale.ROOT, "%.2f", cores);
        }

        static String human(double perSecond) {
            if (Double.isNaN(perSecond)) {
                return "-";
            }
            return perSecond >= 1e6
                    ? String.format(Locale.ROOT, "%.2f M", perSecond / 1e6)
                    : String.format(Locale.ROOT, "%.0f k", perSecond / 1e3);
        }
    }
}
