package dev.parley.chat.examples;

import dev.parley.chat.ChatServer;
import dev.parley.chat.spi.Authenticator;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.store.file.FileMessageStore;
import dev.parley.chat.store.file.FileStoreOptions;
import dev.parley.chat.transport.websocket.WebSocketTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The example server: Parley over WebSocket, a web page and a small REST API over HTTP, the file
 * store under {@code ./data}. {@code java -jar chat-examples/target/parley-server.jar --help}
 * lists the flags; each maps to the engine option of the same meaning.
 */
@Command(
        name = "parley-server",
        mixinStandardHelpOptions = true,
        version = "Parley example server 0.1.0",
        description = "Runs a Parley chat server: WebSocket at ws://HOST:WS_PORT/ws, a web page at http://HOST:HTTP_PORT/.")
public final class ParleyServer implements Callable<Integer> {

    @Option(names = "--bind", description = "address to listen on (default: ${DEFAULT-VALUE})")
    String bind = "127.0.0.1";

    @Option(names = "--ws-port", description = "WebSocket port, 0 for any free port (default: ${DEFAULT-VALUE})")
    int wsPort = 8081;

    @Option(names = "--http-port", description = "web page and REST port, 0 for any free port, -1 for none (default: ${DEFAULT-VALUE})")
    int httpPort = 8080;

    @Option(names = "--data", description = "directory of the file store (default: ${DEFAULT-VALUE})")
    Path data = Path.of("data");

    @Option(names = "--store", description = "file or memory (default: ${DEFAULT-VALUE})")
    String store = "file";

    @Option(names = "--publish-rate", description = "publishes per second per connection (default: ${DEFAULT-VALUE})")
    int publishRate = 10;

    @Option(names = "--publish-burst", description = "publish burst per connection (default: ${DEFAULT-VALUE})")
    int publishBurst = 20;

    @Option(names = "--max-outbound-bytes", description = "bytes queued per connection before message pushes wait (default: ${DEFAULT-VALUE})")
    long maxOutboundBytes = 1 << 20;

    @Option(names = "--max-body-bytes", description = "largest message body in UTF-8 bytes (default: ${DEFAULT-VALUE})")
    int maxBodyBytes = 4096;

    @Option(names = "--history-limit", description = "most messages per history reply (default: ${DEFAULT-VALUE})")
    int historyLimit = 100;

    @Option(names = "--presence-grace-ms", description = "how long a lost user stays a member (default: ${DEFAULT-VALUE})")
    long presenceGraceMs = 5000;

    @Option(names = "--retain-messages", description = "latest messages kept per room, 0 for all (file store) (default: ${DEFAULT-VALUE})")
    long retainMessages = 0;

    @Option(names = "--auth", description = "trust (any user name, for development) or token (default: ${DEFAULT-VALUE})")
    String auth = "trust";

    @Option(names = "--token", description = "with --auth token: USER=TOKEN, repeatable")
    Map<String, String> tokens = new LinkedHashMap<>();

    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();

    /** Runs the server until SIGTERM or SIGINT; exits 0 after a graceful shutdown. */
    public static void main(String[] args) {
        int code = new CommandLine(new ParleyServer()).execute(args);
        System.exit(code);
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        List<String> problems = validate();
        if (!problems.isEmpty()) {
            problems.forEach(p -> System.err.println("parley-server: " + p));
            return 2;
        }
        MessageStore messageStore = openStore();
        ChatServer server = ChatServer.builder()
                .store(messageStore)
                .authenticator(authenticator())
                .publishPerSecond(publishRate)
                .publishBurst(publishBurst)
                .maxOutboundBytes(maxOutboundBytes)
                .maxBodyBytes(maxBodyBytes)
                .historyLimit(historyLimit)
                .recentDefault(Math.min(50, historyLimit))
                .presenceGrace(Duration.ofMillis(presenceGraceMs))
                .build();
        WebSocketTransport ws = WebSocketTransport.builder()
                .bind(new InetSocketAddress(bind, wsPort))
                .build();
        server.start(ws);
        ExampleHttpServer http = null;
        if (httpPort >= 0) {
            http = ExampleHttpServer.start(new InetSocketAddress(bind, httpPort), ws.port(), server, messageStore);
            System.out.println("web page on http://" + bind + ":" + http.port() + "/");
        }
        System.out.println("listening on ws://" + bind + ":" + ws.port() + ws.path());
        System.out.flush();

        ExampleHttpServer httpServer = http;
        Runnable shutdown = () -> {
            if (stopping.compareAndSet(false, true)) {
                if (httpServer != null) {
                    httpServer.stop();
                }
                server.close(); // bye to every client after what was acknowledged is durable
                stopped.countDown();
            }
        };
        Signals.onTermination(shutdown);
        Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "parley-shutdown"));
        stopped.await();
        System.out.println("stopped");
        return 0;
    }

    private List<String> validate() {
        List<String> problems = new java.util.ArrayList<>();
        if (!store.equals("file") && !store.equals("memory")) {
            problems.add("--store was " + store + " but must be file or memory");
        }
        if (!auth.equals("trust") && !auth.equals("token")) {
            problems.add("--auth was " + auth + " but must be trust or token");
        }
        if (auth.equals("token") && tokens.isEmpty()) {
            problems.add("--auth token needs at least one --token USER=TOKEN");
        }
        if (wsPort < 0 || wsPort > 65535) {
            problems.add("--ws-port was " + wsPort + " but must be in [0, 65535]");
        }
        if (httpPort < -1 || httpPort > 65535) {
            problems.add("--http-port was " + httpPort + " but must be in [-1, 65535]");
        }
        if (retainMessages < 0) {
            problems.add("--retain-messages was " + retainMessages + " but must be at least 0");
        }
        return problems;
    }

    private MessageStore openStore() {
        if (store.equals("memory")) {
            return MessageStore.inMemory(retainMessages > 0 ? (int) Math.min(retainMessages, Integer.MAX_VALUE) : 10_000);
        }
        FileStoreOptions.Builder options = FileStoreOptions.builder();
        if (retainMessages > 0) {
            options.retainMessages(retainMessages);
        }
        return FileMessageStore.open(data, options.build());
    }

    private Authenticator authenticator() {
        if (auth.equals("token")) {
            Map<String, String> usersByToken = new LinkedHashMap<>();
            tokens.forEach((user, token) -> usersByToken.put(token, user));
            return Authenticator.staticTokens(usersByToken);
        }
        return Authenticator.trustingUserNames();
    }
}
