package dev.parley.chat.benchmarks.load;

import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.store.file.FileMessageStore;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Starts the servers of {@link Peer} for the load programs: in this JVM or as child processes
 * (Bun is always a child). Parley's file store gets a fresh temporary directory per start, removed
 * when the server stops.
 *
 * <p>Bun is never downloaded here: {@link #findBun} looks for a binary that {@code npm install bun}
 * put under a given directory, then on {@code PATH}.
 */
final class Servers {
    /** The environment variable that may name the bun binary or the directory {@code npm install bun} ran in. */
    static final String BUN_ENV = "PARLEY_BUN";

    private final Path parleyJar;
    private final List<String> jvmOpts;
    private final List<String> parleyArgs;
    private final Path bun;
    private final Path bunScript;

    /**
     * @param parleyJar the example server's jar (for Parley as a process)
     * @param jvmOpts options for the Java children's JVMs
     * @param parleyArgs extra options for the example server
     * @param bun the bun binary, or null if none was found
     * @param bunScript the broadcast server to run with bun, or null for the one in this jar
     */
    Servers(Path parleyJar, List<String> jvmOpts, List<String> parleyArgs, Path bun, Path bunScript) {
        this.parleyJar = parleyJar;
        this.jvmOpts = List.copyOf(jvmOpts);
        this.parleyArgs = List.copyOf(parleyArgs);
        this.bun = bun;
        this.bunScript = bunScript;
    }

    /** The bun binary in use, or null. */
    Path bun() {
        return bun;
    }

    /**
     * The bun binary to use: {@code given} (a binary, or a directory where {@code npm install bun}
     * ran), else {@code $PARLEY_BUN} (the same), else {@code chat-benchmarks/} or the working
     * directory as such a directory, else {@code bun} on {@code PATH}.
     */
    static Optional<Path> findBun(Path given) {
        List<Path> roots = new ArrayList<>();
        if (given != null) {
            roots.add(given);
        }
        String env = System.getenv(BUN_ENV);
        if (env != null && !env.isBlank()) {
            roots.add(Path.of(env));
        }
        roots.add(Path.of("chat-benchmarks"));
        roots.add(Path.of("."));
        for (Path root : roots) {
            for (Path candidate : List.of(root, root.resolve("node_modules/.bin/bun"),
                    root.resolve("node_modules/bun/bin/bun.exe"), root.resolve("bun"))) {
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate.toAbsolutePath());
                }
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, "bun");
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate.toAbsolutePath());
                }
            }
        }
        return Optional.empty();
    }

    /** Starts {@code peer}: in this JVM when {@code inProcess} (not for Bun), else as a child process. */
    TargetServer start(Peer peer, boolean inProcess) throws IOException, InterruptedException {
        Path data = peer == Peer.PARLEY_FILE ? Files.createTempDirectory("parley-load-store-") : null;
        Runnable cleanup = () -> deleteTree(data);
        if (inProcess && peer != Peer.BUN) {
            switch (peer) {
                case PARLEY:
                    return TargetServer.inProcessParley();
                case PARLEY_FILE:
                    MessageStore store = FileMessageStore.open(data);
                    return TargetServer.inProcessParley(store, () -> {
                        closeQuietly(store);
                        cleanup.run();
                    });
                default:
                    return TargetServer.inProcessRaw();
            }
        }
        List<String> command = new ArrayList<>();
        switch (peer) {
            case PARLEY:
            case PARLEY_FILE:
                command.add(java());
                command.addAll(jvmOpts);
                command.addAll(List.of("-jar", parleyJar.toString(), "--bind", "127.0.0.1", "--ws-port", "0",
                        "--http-port", "-1", "--publish-rate", "100000", "--publish-burst", "100000"));
                command.addAll(peer == Peer.PARLEY ? List.of("--store", "memory")
                        : List.of("--store", "file", "--data", data.toString()));
                command.addAll(parleyArgs);
                break;
            case RAW:
                command.add(java());
                command.addAll(jvmOpts);
                command.addAll(List.of("-cp", selfJar(), RawBroadcastServer.class.getName(), "0"));
                break;
            default:
                if (bun == null) {
                    throw new IllegalStateException("no bun binary: run `npm install bun` in chat-benchmarks or pass --bun");
                }
                command.addAll(List.of(bun.toString(), script().toString(), "0"));
        }
        File log = new File(System.getProperty("java.io.tmpdir"), "load-" + peer.label() + ".log");
        try {
            return TargetServer.spawn(command, log, Duration.ofSeconds(60), cleanup);
        } catch (IOException | RuntimeException e) {
            cleanup.run();
            throw e;
        }
    }

    private Path script() throws IOException {
        if (bunScript != null) {
            return bunScript;
        }
        Path tmp = Files.createTempFile("parley-bun-broadcast-", ".js");
        tmp.toFile().deleteOnExit();
        try (InputStream in = Servers.class.getResourceAsStream("/bun/broadcast-server.js")) {
            if (in == null) {
                throw new IOException("bun/broadcast-server.js is not on the class path");
            }
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        return tmp;
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static String selfJar() {
        try {
            return Path.of(Servers.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void closeQuietly(MessageStore store) {
        try {
            store.close();
        } catch (Exception e) {
            // the run is over; the directory is removed next
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + dir, e);
        }
    }

}
