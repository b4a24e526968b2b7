package dev.parley.chat.benchmarks.load;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The WebSocket fan-out load test: one room, N subscribers, one publisher, over loopback, against
 * Parley and, in the same run, against a bare Java-WebSocket broadcast server ({@link
 * RawBroadcastServer}), so that Parley's figure can be read as a ratio of the transport's ceiling
 * on the same (noisy) machine at the same moment.
 *
 * <p>For each subscriber count and round it starts a fresh server, connects the subscribers (one
 * selector thread by default, see {@link Subscribers}) and the publisher, publishes 100-byte bodies
 * for a warm-up and then a measured period with a bounded window ({@link Publisher}), waits until
 * every subscriber has every acknowledged message, and prints: messages and deliveries per second
 * in the measured period, end-to-end latency (the send time written into each body, to the
 * subscriber's read) at p50/p99/p99.9, messages lost, duplicated and reordered summed over the
 * subscribers (all must be 0), the CPU of server and client in cores (1.00 = one core busy), and
 * the machine's 1-minute load average at the end of the run (other work on the machine shows
 * there). Runs alternate between the two servers; a summary gives each server's median and the
 * Parley/raw ratio, of the medians and round by round.
 *
 * <p>Build, then run (figures of BENCHMARKS.md, "WebSocket fan-out (loopback)"):
 *
 * <pre>
 * ./mvnw -B -q install -DskipTests
 *
 * # Servers as child processes, so server and client CPU are separate (the figures):
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.load.FanOutLoad \
 *     --server process --subscribers 100,1000 --rounds 3 --warmup-seconds 5 --duration-seconds 15
 *
 * # Everything in this JVM (the default):
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.load.FanOutLoad \
 *     --subscribers 100,1000 --rounds 3 --warmup-seconds 5 --duration-seconds 10
 *
 * # A server started by hand (the pid, if given, adds its CPU to the table):
 * java -jar chat-examples/target/parley-server.jar --ws-port 0 --http-port -1 --store memory \
 *     --publish-rate 100000 --publish-burst 100000
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.load.RawBroadcastServer 0
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.load.FanOutLoad \
 *     --server external --url ws://127.0.0.1:PORT/ws --server-pid PID \
 *     --raw-url ws://127.0.0.1:RAWPORT/ws --raw-server-pid RAWPID
 *
 * # Latency at a fixed rate (50 000 deliveries/s, under both servers' ceilings) rather than at saturation:
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.load.FanOutLoad \
 *     --server process --subscribers 1000 --rounds 1 --rate 50 --warmup-seconds 3 --duration-seconds 10
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.load.FanOutLoad \
 *     --server process --subscribers 100 --rounds 1 --rate 500 --warmup-seconds 3 --duration-seconds 10
 *
 * # Profile the server under load (JFR in the child):
 * java -cp chat-benchmarks/target/benchmarks.jar dev.parley.chat.benchmarks.load.FanOutLoad \
 *     --server process --targets parley --subscribers 1000 --rounds 1 \
 *     --server-jvm-opt=-XX:StartFlightRecording=filename=/tmp/parley-fanout.jfr,settings=profile,dumponexit=true
 * jfr print --stack-depth 24 --events jdk.ExecutionSample /tmp/parley-fanout.jfr
 * jfr print --stack-depth 24 --events jdk.NativeMethodSample /tmp/parley-fanout.jfr
 * </pre>
 *
 * <p>Targets 127.0.0.1 only. Exit code 0 when every run lost, duplicated and reordered nothing; 1
 * otherwise; 2 for bad options.
 */
@Command(name = "fan-out-load", mixinStandardHelpOptions = true,
        description = "WebSocket fan-out over loopback: Parley next to a raw Java-WebSocket broadcast server.")
public final class FanOutLoad implements Callable<Integer> {

    /** Which servers to measure. */
    enum Target {
        PARLEY, RAW
    }

    /** Where the servers run. */
    enum Where {
        IN_PROCESS, PROCESS, EXTERNAL
    }

    @Option(names = "--subscribers", split = ",", description = "subscriber counts, each a series of runs (default: ${DEFAULT-VALUE})")
    List<Integer> subscribers = List.of(100, 1000);

    @Option(names = "--rounds", description = "runs per server and subscriber count, alternating servers (default: ${DEFAULT-VALUE})")
    int rounds = 3;

    @Option(names = "--targets", split = ",", description = "parley, raw or both (default: ${DEFAULT-VALUE})")
    List<Target> targets = List.of(Target.PARLEY, Target.RAW);

    @Option(names = "--server", description = "in-process, process (child JVMs) or external (--url/--raw-url) (default: in-process)",
            converter = WhereConverter.class)
    Where where = Where.IN_PROCESS;

    @Option(names = "--warmup-seconds", description = "publishing before the measured period (default: ${DEFAULT-VALUE})")
    int warmupSeconds = 5;

    @Option(names = "--duration-seconds", description = "the measured period (default: ${DEFAULT-VALUE})")
    int durationSeconds = 15;

    @Option(names = "--messages", description = "stop the measured period after this many messages, 0 for no limit (default: ${DEFAULT-VALUE})")
    long messages = 0;

    @Option(names = "--rate", description = "messages per second, 0 for as fast as the window allows (default: ${DEFAULT-VALUE})")
    long rate = 0;

    @Option(names = "--window", description = "messages the publisher may have unacknowledged or undelivered (default: ${DEFAULT-VALUE})")
    int window = 64;

    @Option(names = "--body-bytes", description = "message body size (default: ${DEFAULT-VALUE})")
    int bodyBytes = 100;

    @Option(names = "--client-threads", description = "selector threads serving the subscribers (default: ${DEFAULT-VALUE})")
    int clientThreads = 1;

    @Option(names = "--parley-jar", description = "with --server process: the example server's jar (default: ${DEFAULT-VALUE})")
    Path parleyJar = Path.of("chat-examples/target/parley-server.jar");

    @Option(names = "--server-jvm-opt", description = "with --server process: an option for the servers' JVMs (repeatable)")
    List<String> serverJvmOpts = new ArrayList<>();

    @Option(names = "--url", description = "with --server external: the Parley server, ws://127.0.0.1:PORT/ws")
    URI url;

    @Option(names = "--server-pid", description = "with --url: the Parley server's pid, for its CPU")
    long serverPid;

    @Option(names = "--raw-url", description = "with --server external: the raw broadcast server, ws://127.0.0.1:PORT/ws")
    URI rawUrl;

    @Option(names = "--raw-server-pid", description = "with --raw-url: its pid, for its CPU")
    long rawServerPid;

    /** Parses {@code in-process}, {@code process}, {@code external}. */
    static final class WhereConverter implements CommandLine.ITypeConverter<Where> {
        @Override
        public Where convert(String value) {
            return Where.valueOf(value.toUpperCase(Locale.ROOT).replace('-', '_'));
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
        List<String> problems = validate();
        if (!problems.isEmpty()) {
            problems.forEach(p -> System.err.println("fan-out-load: " + p));
            return 2;
        }
        System.out.printf(Locale.ROOT, "fan-out: %s servers, %d-byte bodies, window %d, %s, "
                        + "warm-up %d s, measured %d s%s, %d client thread(s), %d cores%n",
                where.name().toLowerCase(Locale.ROOT).replace('_', '-'), bodyBytes, window,
                rate > 0 ? rate + " msg/s" : "as fast as the window allows", warmupSeconds, durationSeconds,
                messages > 0 ? " or " + messages + " messages" : "", clientThreads, Runtime.getRuntime().availableProcessors());
        System.out.println(RunResult.HEADER);
        List<RunResult> results = new ArrayList<>();
        for (int n : subscribers) {
            for (int round = 1; round <= rounds; round++) {
                // Alternate which server goes first, so a drift of the machine hits both alike.
                List<Target> order = new ArrayList<>(targets);
                if (round % 2 == 0) {
                    Collections.reverse(order);
                }
                for (Target target : order) {
                    RunResult r = runOnce(target, n, round);
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
        if (subscribers.isEmpty() || subscribers.stream().anyMatch(n -> n < 1 || n > 20_000)) {
            problems.add("--subscribers was " + subscribers + " but each must be in [1, 20000]");
        }
        if (rounds < 1) {
            problems.add("--rounds was " + rounds + " but must be at least 1");
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
        if (where == Where.EXTERNAL) {
            if (targets.contains(Target.PARLEY) && url == null) {
                problems.add("--server external measures Parley only with --url (or use --targets raw)");
            }
            if (targets.contains(Target.RAW) && rawUrl == null) {
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
        if (where == Where.PROCESS && targets.contains(Target.PARLEY) && !parleyJar.toFile().isFile()) {
            problems.add("--parley-jar " + parleyJar + " is not a file; build chat-examples first");
        }
        return problems;
    }

    private RunResult runOnce(Target target, int n, int round) throws Exception {
        Flavor flavor = target == Target.PARLEY ? Flavor.PARLEY : Flavor.RAW;
        // A room of its own per run, so a reused external server starts each run from an empty room.
        String room = "load-" + n + "-" + round + "-" + Long.toString(System.currentTimeMillis(), 36);
        try (TargetServer server = startServer(target)) {
            Subscribers subs = new Subscribers(flavor, server.address(), server.path(), room, n, clientThreads);
            Publisher publisher = null;
            try {
                subs.start(Duration.ofSeconds(120));
                publisher = Publisher.connect(flavor, server.address(), server.path(), room, bodyBytes);
                // Joins send presence pushes to every member (N² in all); let them drain first.
                Thread.sleep(500);

                long start = System.nanoTime();
                long from = start + warmupSeconds * 1_000_000_000L;
                long planned = from + durationSeconds * 1_000_000_000L;
                subs.measureBetween(from, messages > 0 ? Long.MAX_VALUE : planned);
                publisher.publish(from, 0, rate, window, subs, n, start);
                Cpu before = cpu(server, subs, publisher);
                long sentBefore = publisher.sent();
                publisher.publish(planned, messages > 0 ? sentBefore + messages : 0, rate, window, subs, n, start);
                Cpu after = cpu(server, subs, publisher);
                long sent = publisher.sent() - sentBefore;

                boolean acked = publisher.awaitAcks(15_000_000_000L);
                long drainDeadline = System.nanoTime() + 15_000_000_000L;
                while (subs.delivered() < publisher.sent() * n && System.nanoTime() < drainDeadline) {
                    Thread.sleep(2);
                }
                long end = messages > 0 ? System.nanoTime() : planned;
                if (messages > 0) {
                    subs.measureBetween(from, end); // deliveries after the drain are not measured
                }
                long lastSeq = publisher.lastSeq();
                String problem = publisher.problem();
                if (!acked && problem == null) {
                    problem = (publisher.sent() - publisher.acked()) + " publishes never acknowledged";
                }
                Subscribers.Result seen = subs.stop(lastSeq);
                subs = null;
                if (problem == null) {
                    problem = seen.firstProblem();
                }
                double seconds = (messages > 0 ? end - from : planned - from) / 1e9;
                double wall = (after.wallNanos - before.wallNanos);
                return new RunResult(target, server.where(), n, round, sent / seconds, seen.measured() / seconds,
                        seen.latency(), seen.lost(), seen.duplicates(), seen.reordered(), seen.errors(),
                        seen.closedEarly(), seen.frameBytes(), cores(before.server, after.server, wall),
                        cores(before.client, after.client, wall),
                        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), problem);
            } finally {
                if (publisher != null) {
                    publisher.close();
                }
                if (subs != null) {
                    subs.stop(0);
                }
            }
        }
    }

    private TargetServer startServer(Target target) throws IOException, InterruptedException, URISyntaxException {
        switch (where) {
            case IN_PROCESS:
                return target == Target.PARLEY ? TargetServer.inProcessParley() : TargetServer.inProcessRaw();
            case EXTERNAL:
                return target == Target.PARLEY
                        ? TargetServer.external(url, serverPid)
                        : TargetServer.external(rawUrl, rawServerPid);
            default:
                List<String> command = new ArrayList<>();
                command.add(ProcessHandle.current().info().command().orElse("java"));
                command.addAll(serverJvmOpts);
                if (target == Target.PARLEY) {
                    command.addAll(List.of("-jar", parleyJar.toString(), "--bind", "127.0.0.1", "--ws-port", "0",
                            "--http-port", "-1", "--store", "memory", "--publish-rate", "100000",
                            "--publish-burst", "100000"));
                } else {
                    String self = Path.of(FanOutLoad.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                            .toString();
                    command.addAll(List.of("-cp", self, RawBroadcastServer.class.getName(), "0"));
                }
                File log = new File(System.getProperty("java.io.tmpdir"),
                        "fan-out-load-" + target.name().toLowerCase(Locale.ROOT) + ".log");
                return TargetServer.spawn(command, log, Duration.ofSeconds(60));
        }
    }

    /** CPU times at one moment, in nanoseconds; negative when unknown. */
    private record Cpu(long wallNanos, long server, long client) {}

    private Cpu cpu(TargetServer server, Subscribers subs, Publisher publisher) {
        long wall = System.nanoTime();
        long subscriberCpu = subs.cpuNanos();
        long readerCpu = publisher.readerCpuNanos();
        long writerCpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        long threads = subscriberCpu < 0 || readerCpu < 0 || writerCpu < 0 ? -2 : subscriberCpu + readerCpu + writerCpu;
        long process = processCpuNanos();
        long serverCpu = server.cpuNanos();
        if (serverCpu == -1) {
            // The server is in this JVM: what the process used beyond the client's own threads
            // (GC and JIT of both sides included).
            return new Cpu(wall, process < 0 || threads < 0 ? -2 : process - threads, threads);
        }
        return new Cpu(wall, serverCpu, process);
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
        System.out.println("summary (median of rounds; ratio = Parley / raw deliveries per second)");
        for (int n : subscribers) {
            double parley = median(results, Target.PARLEY, n);
            double raw = median(results, Target.RAW, n);
            StringBuilder paired = new StringBuilder();
            for (int round = 1; round <= rounds; round++) {
                RunResult p = find(results, Target.PARLEY, n, round);
                RunResult r = find(results, Target.RAW, n, round);
                if (p != null && r != null && r.deliveriesPerSecond() > 0) {
                    paired.append(paired.length() == 0 ? "" : ", ")
                            .append(String.format(Locale.ROOT, "%.2f", p.deliveriesPerSecond() / r.deliveriesPerSecond()));
                }
            }
            long problems = results.stream().filter(x -> x.subscribers() == n && !x.clean()).count();
            System.out.printf(Locale.ROOT, "N=%-5d parley %s/s  raw %s/s  ratio %s  (per round: %s)  "
                            + "runs with losses/dupes/reorders/errors: %d%n",
                    n, RunResult.human(parley), RunResult.human(raw),
                    Double.isNaN(parley) || Double.isNaN(raw) ? "-" : String.format(Locale.ROOT, "%.2f", parley / raw),
                    paired.length() == 0 ? "-" : paired, problems);
        }
    }

    private static RunResult find(List<RunResult> results, Target target, int n, int round) {
        return results.stream()
                .filter(r -> r.target() == target && r.subscribers() == n && r.round() == round)
                .findFirst().orElse(null);
    }

    private static double median(List<RunResult> results, Target target, int n) {
        double[] v = results.stream()
                .filter(r -> r.target() == target && r.subscribers() == n)
                .mapToDouble(RunResult::deliveriesPerSecond).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** One run's figures. */
    record RunResult(Target target, String where, int subscribers, int round, double messagesPerSecond,
            double deliveriesPerSecond, Histogram latency, long lost, long duplicates, long reordered, long errors,
            int closedEarly, int frameBytes, double serverCores, double clientCores, double loadAverage, String problem) {

        static final String HEADER = String.format(Locale.ROOT,
                "%-7s %-10s %6s %5s %9s %12s %9s %9s %9s %6s %5s %7s %6s %6s %7s %7s %5s",
                "server", "where", "subs", "round", "msg/s", "deliveries/s", "p50 µs", "p99 µs", "p99.9 µs",
                "lost", "dup", "reorder", "closed", "frameB", "srvCPU", "cliCPU", "load");

        boolean clean() {
            return lost == 0 && duplicates == 0 && reordered == 0 && errors == 0 && closedEarly == 0 && problem == null;
        }

        String row() {
            String line = String.format(Locale.ROOT,
                    "%-7s %-10s %6d %5d %9.0f %12s %9.0f %9.0f %9.0f %6d %5d %7d %6d %6d %7s %7s %5.1f",
                    target.name().toLowerCase(Locale.ROOT), where, subscribers, round, messagesPerSecond,
                    human(deliveriesPerSecond), micros(0.5), micros(0.99), micros(0.999), lost, duplicates, reordered,
                    closedEarly, frameBytes, coresText(serverCores), coresText(clientCores), loadAverage);
            return problem == null ? line : line + "   ! " + problem;
        }

        private double micros(double quantile) {
            return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(quantile * 100) / 1_000.0;
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
