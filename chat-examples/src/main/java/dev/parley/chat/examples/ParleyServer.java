package dev.parley.chat.examples;

import dev.parley.chat.ChatServer;
import dev.parley.chat.RoomPolicy;
import dev.parley.chat.auth.jwt.JwtAuthenticator;
import dev.parley.chat.spi.Authenticator;
import dev.parley.chat.spi.Authorizer;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.store.file.FileMessageStore;
import dev.parley.chat.store.file.FileStoreOptions;
import dev.parley.chat.transport.websocket.WebSocketTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
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
        subcommands = {TokenCommand.class, dev.parley.chat.examples.terminal.ChatCommand.class},
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

    @Option(names = "--store", description = "file, memory or sqlite (DATA/parley.db, the SqliteMessageStore example) (default: ${DEFAULT-VALUE})")
    String store = "file";

    @Option(names = "--tcp-port", description = "also serve newline-delimited JSON over plain TCP on this port (the NdjsonTcpTransport example), 0 for any free port, -1 for none (default: ${DEFAULT-VALUE})")
    int tcpPort = -1;

    @Option(names = "--publish-rate", description = "publishes per second per connection (default: ${DEFAULT-VALUE})")
    int publishRate = 10;

    @Option(names = "--publish-burst", description = "publish burst per connection (default: ${DEFAULT-VALUE})")
    int publishBurst = 20;

    @Option(names = "--max-outbound-bytes", description = "bytes queued per connection before message pushes wait (default: ${DEFAULT-VALUE})")
    long maxOutboundBytes = 1 << 20;

    @Option(names = "--max-body-bytes", description = "largest message body in UTF-8 bytes (default: ${DEFAULT-VALUE})")
    int maxBodyBytes = 4096;

    @Option(names = "--max-upload-bytes", description = "largest shared file (POST /api/uploads), kept under DATA/uploads (default: ${DEFAULT-VALUE})")
    long maxUploadBytes = 10L << 20;

    @Option(names = "--history-limit", description = "most messages per history reply (default: ${DEFAULT-VALUE})")
    int historyLimit = 100;

    @Option(names = "--presence-grace-ms", description = "how long a lost user stays a member (default: ${DEFAULT-VALUE})")
    long presenceGraceMs = 5000;

    @Option(names = "--retain-messages", description = "latest messages kept per room, on every store; 0 for the store's default (all on file and sqlite, 10 000 in memory) (default: ${DEFAULT-VALUE})")
    long retainMessages = 0;

    @Option(names = "--auth", description = "trust (any user name, for development), token (--token) or jwt (signed tokens) (default: ${DEFAULT-VALUE})")
    String auth = "trust";

    @Option(names = "--jwt-secret-file", description = "with --auth jwt: HS256 tokens, verified with the shared secret in this file")
    Path jwtSecretFile;

    @Option(names = "--jwt-jwks-file", description = "with --auth jwt: RS256/ES256 tokens, verified with the public keys of this JWKS file (reread when it changes)")
    Path jwtJwksFile;

    @Option(names = "--jwt-issuer", description = "with --auth jwt: the iss tokens must have (default: not checked)")
    String jwtIssuer;

    @Option(names = "--jwt-audience", description = "with --auth jwt: the aud tokens must have (default: not checked)")
    String jwtAudience;

    @Option(names = "--invite-only", description = "PATTERN=WHO: only WHO may join rooms matching PATTERN (* for any run of characters); "
            + "WHO is USER[,USER...], and @CLAIM for users whose token's CLAIM lists the room; repeatable, checked before --read-only")
    Map<String, String> inviteOnly = new LinkedHashMap<>();

    @Option(names = "--read-only", description = "PATTERN=WHO: everyone may read rooms matching PATTERN, only WHO may publish there or create them; repeatable")
    Map<String, String> readOnly = new LinkedHashMap<>();

    @Option(names = "--creators", description = "WHO: who may create the rooms no --invite-only or --read-only matches (default: anyone)")
    String creators;

    @Option(names = "--jwt-clock-skew-seconds", description = "with --auth jwt: the clock skew allowed on exp and nbf (default: ${DEFAULT-VALUE})")
    long jwtClockSkewSeconds = 60;

    @Option(names = "--token", description = "with --auth token: USER=TOKEN, repeatable")
    Map<String, String> tokens = new LinkedHashMap<>();

    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();

    /** Runs the server until SIGTERM or SIGINT; exits 0 after a graceful shutdown. */
    public static void main(String[] args) {
        // An option's value may spell a subcommand's name (--jwt-audience chat): it is still the value.
        int code = new CommandLine(new ParleyServer()).setAllowSubcommandsAsOptionParameters(true).execute(args);
        System.exit(code);
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        List<String> problems = validate();
        if (!problems.isEmpty()) {
            problems.forEach(p -> System.err.println("parley-server: " + p));
            return 2;
        }
        Authenticator authenticator;
        RoomPolicy policy;
        try {
            authenticator = authenticator();
            policy = inviteOnly.isEmpty() && readOnly.isEmpty() && creators == null ? null : roomPolicy();
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("parley-server: " + e.getMessage());
            return 2;
        }
        MessageStore messageStore = openStore();
        Authorizer authorizer = policy != null ? policy : Authorizer.directRoomsPrivate();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ChatServer server = ChatServer.builder()
                .authorizer(authorizer)
                .metrics(new MicrometerChatMetrics(registry))
                .store(messageStore)
                .authenticator(authenticator)
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
        NdjsonTcpTransport tcp = tcpPort >= 0 ? NdjsonTcpTransport.listen(new InetSocketAddress(bind, tcpPort)) : null;
        if (tcp != null) {
            server.start(ws, tcp);
        } else {
            server.start(ws);
        }
        ExampleHttpServer http = null;
        if (httpPort >= 0) {
            Map<String, InetSocketAddress> bound = new LinkedHashMap<>();
            bound.put("ws", new InetSocketAddress(bind, ws.port()));
            if (tcp != null) {
                bound.put("tcp", new InetSocketAddress(bind, tcp.port()));
            }
            // The REST API authenticates and authorizes with the same objects as the engine.
            UploadStore uploads = new UploadStore(data.resolve("uploads"), maxUploadBytes);
            RestApi rest = new RestApi(server, messageStore, authenticator, authorizer,
                    new RestApi.Limits(maxBodyBytes, historyLimit, publishRate, publishBurst), Clock.systemUTC(), uploads);
            Health health = new Health(messageStore, store.equals("memory") ? null : data, bound);
            http = ExampleHttpServer.start(new InetSocketAddress(bind, httpPort), ws.port(),
                    new ExampleHttpServer.Endpoints(rest, health, registry, uploads));
            System.out.println("web page on http://" + bind + ":" + http.port() + "/");
        }
        if (tcp != null) {
            System.out.println("listening on tcp://" + bind + ":" + tcp.port());
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
        if (!store.equals("file") && !store.equals("memory") && !store.equals("sqlite")) {
            problems.add("--store was " + store + " but must be file, memory or sqlite");
        }
        if (tcpPort < -1 || tcpPort > 65535) {
            problems.add("--tcp-port was " + tcpPort + " but must be in [-1, 65535]");
        }
        if (!auth.equals("trust") && !auth.equals("token") && !auth.equals("jwt")) {
            problems.add("--auth was " + auth + " but must be trust, token or jwt");
        }
        if (auth.equals("jwt") && (jwtSecretFile == null) == (jwtJwksFile == null)) {
            problems.add("--auth jwt needs exactly one of --jwt-secret-file F and --jwt-jwks-file F");
        }
        if (jwtClockSkewSeconds < 0 || jwtClockSkewSeconds > 600) {
            problems.add("--jwt-clock-skew-seconds was " + jwtClockSkewSeconds + " but must be in [0, 600]");
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
        if (maxUploadBytes < 1 || maxUploadBytes > UploadStore.MAX_LIMIT_BYTES) {
            problems.add("--max-upload-bytes was " + maxUploadBytes + " but must be in [1, " + UploadStore.MAX_LIMIT_BYTES + "]");
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
        if (store.equals("sqlite")) {
            return SqliteMessageStore.open(data.resolve("parley.db"), retainMessages);
        }
        FileStoreOptions.Builder options = FileStoreOptions.builder();
        if (retainMessages > 0) {
            options.retainMessages(retainMessages);
        }
        return FileMessageStore.open(data, options.build());
    }

    private RoomPolicy roomPolicy() {
        RoomPolicy.Builder policy = RoomPolicy.builder();
        inviteOnly.forEach((pattern, who) -> policy.rooms(pattern, RoomPolicy.Rule.inviteOnly(who(who))));
        readOnly.forEach((pattern, who) -> policy.rooms(pattern,
                RoomPolicy.Rule.open().publishers(who(who)).creators(who(who))));
        if (creators != null) {
            policy.otherwise(RoomPolicy.Rule.open().creators(who(creators)));
        }
        return policy.build();
    }

    /** {@code rooms}, and every claim an {@code @CLAIM} of the policy flags names. */
    private String[] claimsThePolicyUses() {
        java.util.Set<String> claims = new java.util.LinkedHashSet<>(List.of("rooms"));
        List<String> specs = new java.util.ArrayList<>(inviteOnly.values());
        specs.addAll(readOnly.values());
        if (creators != null) {
            specs.add(creators);
        }
        for (String spec : specs) {
            for (String part : spec.split(",")) {
                if (part.strip().startsWith("@") && part.strip().length() > 1) {
                    claims.add(part.strip().substring(1));
                }
            }
        }
        return claims.toArray(String[]::new);
    }

    /** {@code alice,bob,@rooms}: these users, or those whose token's {@code rooms} lists the room. */
    private static RoomPolicy.Who who(String spec) {
        RoomPolicy.Who who = RoomPolicy.Who.nobody();
        for (String part : spec.split(",")) {
            String name = part.strip();
            if (name.isEmpty()) {
                continue;
            }
            who = who.or(name.startsWith("@") ? RoomPolicy.Who.listedInClaim(name.substring(1)) : RoomPolicy.Who.users(name));
        }
        return who;
    }

    private Authenticator authenticator() throws IOException {
        if (auth.equals("jwt")) {
            JwtAuthenticator.Builder jwt = JwtAuthenticator.builder()
                    .clockSkew(Duration.ofSeconds(jwtClockSkewSeconds))
                    .exposeClaims(claimsThePolicyUses());
            if (jwtSecretFile != null) {
                jwt.hmacSecret(TokenCommand.readSecret(jwtSecretFile));
            } else {
                jwt.jwksFile(jwtJwksFile);
            }
            if (jwtIssuer != null) {
                jwt.issuer(jwtIssuer);
            }
            if (jwtAudience != null) {
                jwt.audience(jwtAudience);
            }
            return jwt.build();
        }
        if (auth.equals("token")) {
            Map<String, String> usersByToken = new LinkedHashMap<>();
            tokens.forEach((user, token) -> usersByToken.put(token, user));
            return Authenticator.staticTokens(usersByToken);
        }
        return Authenticator.trustingUserNames();
    }
}
