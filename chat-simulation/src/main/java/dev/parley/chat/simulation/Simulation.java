package dev.parley.chat.simulation;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The deterministic simulation of whole Parley worlds (see TESTING.md): a seed makes a world of
 * clients, faults and restarts around the real engine, runs it on one thread, and checks the
 * promises of PROTOCOL.md §5 after every step. The same seed gives the same trace, byte for byte.
 *
 * <pre>{@code
 * Simulation.Outcome outcome = Simulation.run(42, SimulationOptions.defaults());
 * if (!outcome.passed()) System.out.println(outcome.report());
 * }</pre>
 *
 * <p>From the command line: {@code java -cp … dev.parley.chat.simulation.Simulation --seed 42}
 * replays one seed and prints its trace; {@code --seeds 1000000 [--first 1] [--threads 2]} runs
 * many.
 *
 * <p><b>Thread safety.</b> Every world lives on the thread that runs it; different seeds may run
 * on different threads at once.
 */
public final class Simulation {
    /** How many replays shrinking may spend on one failure. */
    private static final int SHRINK_BUDGET = 3000;

    private Simulation() {}

    /**
     * What one seed did.
     *
     * @param seed the seed
     * @param passed whether every invariant held
     * @param violation the broken invariant, or null
     * @param failingStep the 1-based step at which it broke (0 when it passed)
     * @param shrunkTrace the shortest trace found that still fails, or null when it passed
     */
    public record Outcome(long seed, boolean passed, @Nullable String violation, int failingStep,
            @Nullable String shrunkTrace) {

        /** The seed, the violation, the replay command and the shrunk trace, for a person. */
        public String report() {
            if (passed) {
                return "seed " + seed + ": all invariants held";
            }
            return "SIMULATION FAILED: seed " + seed + " at step " + failingStep + ": " + violation + "\n"
                    + "replay: " + replayCommand(seed) + "\n"
                    + "shrunk trace:\n" + shrunkTrace;
        }
    }

    /** The one-line command that replays {@code seed} with its trace. */
    public static String replayCommand(long seed) {
        return "./mvnw -B -o -q -pl chat-simulation -am verify -Dtest=SimulationSeedsTest -Dsim.seed=" + seed
                + " -Dsurefire.failIfNoSpecifiedTests=false";
    }

    /** Runs one seed; on a violation, shrinks it to the shortest failing trace. */
    public static Outcome run(long seed, SimulationOptions options) {
        Result first = execute(seed, options, null, false);
        if (first.violation == null) {
            return new Outcome(seed, true, null, 0, null);
        }
        List<Step> shrunk = shrink(seed, options, first.steps);
        Result traced = execute(seed, options, shrunk, true);
        String trace = traced.violation != null
                ? traced.trace + "VIOLATION: " + traced.violation + "\n"
                : "(the shrunk steps no longer fail; full trace)\n" + execute(seed, options, first.steps, true).trace;
        return new Outcome(seed, false, first.violation, first.steps.size(), trace);
    }

    /** The whole trace of one seed, passing or not: what the determinism test compares. */
    public static String trace(long seed, SimulationOptions options) {
        Result result = execute(seed, options, null, true);
        return result.violation == null ? result.trace : result.trace + "VIOLATION: " + result.violation + "\n";
    }

    /**
     * Runs {@code count} seeds from {@code firstSeed} on {@code threads} threads (each world on one
     * of them), stopping early after the first failures.
     *
     * @return the failures, shrunk, in seed order; empty when every seed passed
     */
    public static List<Outcome> runSeeds(long firstSeed, long count, int threads, SimulationOptions options) {
        int n = Math.max(1, threads);
        AtomicLong next = new AtomicLong(firstSeed);
        long end = firstSeed + count;
        AtomicInteger failures = new AtomicInteger();
        List<Outcome> failed = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "simulation");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                workers.add(pool.submit(() -> {
                    long seed;
                    while (failures.get() < 3 && (seed = next.getAndIncrement()) < end) {
                        Outcome outcome = run(seed, options);
                        if (!outcome.passed()) {
                            failures.incrementAndGet();
                            synchronized (failed) {
                                failed.add(outcome);
                            }
                        }
                    }
                }));
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("a simulation worker failed", e);
        } finally {
            pool.shutdownNow();
        }
        failed.sort((a, b) -> Long.compare(a.seed(), b.seed()));
        return failed;
    }

    /** What running a list of steps (or the generator's) gave. */
    private record Result(List<Step> steps, @Nullable String violation, String trace) {}

    private static Result execute(long seed, SimulationOptions options, @Nullable List<Step> script, boolean tracing) {
        List<Step> done = new ArrayList<>();
        World world = null;
        try {
            world = new World(seed, options, tracing);
            if (script == null) {
                Generator generator = new Generator(seed, options);
                for (int i = 0; i < options.steps(); i++) {
                    Step step = generator.next(world);
                    done.add(step);
                    world.apply(step);
                }
            } else {
                for (Step step : script) {
                    done.add(step);
                    world.apply(step);
                }
            }
            world.teardown();
            return new Result(done, null, world.trace());
        } catch (World.InvariantViolation v) {
            return new Result(done, v.getMessage(), world == null ? "" : world.trace());
        } catch (RuntimeException | AssertionError e) {
            // The engine threw onto the world's thread: as much a failure as a broken promise.
            return new Result(done, "the engine threw " + e, world == null ? "" : world.trace());
        }
    }

    /** Drops steps, in halving chunks, while the run still fails (in the manner of delta debugging). */
    private static List<Step> shrink(long seed, SimulationOptions options, List<Step> failing) {
        List<Step> steps = new ArrayList<>(failing);
        int budget = SHRINK_BUDGET;
        for (int chunk = Math.max(1, steps.size() / 2); chunk >= 1 && budget > 0; chunk /= 2) {
            int i = 0;
            while (i < steps.size() && budget > 0) {
                List<Step> candidate = new ArrayList<>(steps.subList(0, i));
                candidate.addAll(steps.subList(Math.min(steps.size(), i + chunk), steps.size()));
                budget--;
                Result result = execute(seed, options, candidate, false);
                if (result.violation != null) {
                    steps = new ArrayList<>(result.steps); // also cut what came after the failure
                } else {
                    i += chunk;
                }
            }
        }
        return steps;
    }

    /**
     * {@code --seed N} replays one seed and prints its trace (and, if it fails, the shrunk one);
     * {@code --seeds COUNT [--first F] [--threads T] [--steps S] [--clients C]} runs many and prints
     * a summary. Exits 1 on a violation.
     */
    public static void main(String[] args) {
        Long seed = null;
        long seeds = 10_000;
        long firstSeed = 1;
        int threads = Runtime.getRuntime().availableProcessors();
        SimulationOptions options = SimulationOptions.defaults();
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--seed" -> seed = Long.parseLong(value);
                case "--seeds" -> seeds = Long.parseLong(value);
                case "--first" -> firstSeed = Long.parseLong(value);
                case "--threads" -> threads = Integer.parseInt(value);
                case "--steps" -> options = options.withSteps(Integer.parseInt(value));
                case "--clients" -> options = options.withClients(Integer.parseInt(value));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use --seed N, or --seeds COUNT [--first F] [--threads T] [--steps S] [--clients C]");
            }
            i++;
        }
        if (seed != null) {
            System.out.print(trace(seed, options));
            Outcome outcome = run(seed, options);
            System.out.println(outcome.report());
            System.exit(outcome.passed() ? 0 : 1);
        }
        long start = System.nanoTime();
        List<Outcome> failed = runSeeds(firstSeed, seeds, threads, options);
        long millis = (System.nanoTime() - start) / 1_000_000;
        failed.forEach(o -> System.out.println(o.report()));
        System.out.println(seeds + " seeds from " + firstSeed + " in " + millis + " ms: " + failed.size() + " failed");
        System.exit(failed.isEmpty() ? 0 : 1);
    }
}
