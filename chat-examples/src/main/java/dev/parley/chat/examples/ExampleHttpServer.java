package dev.parley.chat.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.parley.chat.ChatServer;
import dev.parley.chat.spi.Authenticator;
import dev.parley.chat.spi.Authorizer;
import dev.parley.chat.spi.MessageStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The example's HTTP side, on the JDK's server (Java-WebSocket cannot serve plain HTTP): the web
 * page (with a Content-Security-Policy), {@code GET /api/config} (where the WebSocket is),
 * {@code GET /api/health}, {@code GET /metrics} (Prometheus text), the REST API of {@link
 * RestApi} and the shared files of {@link UploadStore} under {@code /uploads/}.
 */
final class ExampleHttpServer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer http;

    private ExampleHttpServer(HttpServer http) {
        this.http = http;
    }

    /**
     * What the HTTP side serves besides the page.
     *
     * @param rest the REST API of rooms
     * @param health what {@code GET /api/health} looks at
     * @param prometheus the registry {@code GET /metrics} scrapes, or null for no metrics
     * @param uploads the shared files {@code GET /uploads/NAME} serves (the same the REST API
     *     keeps), or null for none
     */
    record Endpoints(RestApi rest, Health health, PrometheusMeterRegistry prometheus, UploadStore uploads) {}

    /** The page, config and health, with a REST API in trust mode and no metrics: for tests of those. */
    static ExampleHttpServer start(InetSocketAddress address, int wsPort, ChatServer chat, MessageStore store)
            throws IOException {
        RestApi rest = new RestApi(chat, store, Authenticator.trustingUserNames(), Authorizer.directRoomsPrivate(),
                new RestApi.Limits(4096, 100, 10, 20), Clock.systemUTC(), null);
        return start(address, wsPort, new Endpoints(rest, new Health(store, null, Map.of()), null, null));
    }

    static ExampleHttpServer start(InetSocketAddress address, int wsPort, Endpoints endpoints) throws IOException {
        HttpServer http = HttpServer.create(address, 0);
        http.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "parley-http");
            t.setDaemon(true);
            return t;
        }));
        http.createContext("/", exchange -> page(exchange, wsPort));
        http.createContext("/api/config", exchange -> {
            ObjectNode config = JSON.createObjectNode();
            config.put("wsPort", wsPort);
            config.put("wsPath", "/ws");
            sendJson(exchange, 200, config);
        });
        http.createContext("/api/health", exchange -> {
            ObjectNode health = endpoints.health().check();
            sendJson(exchange, health.path("status").asText().equals("unavailable") ? 503 : 200, health);
        });
        http.createContext("/api/rooms", endpoints.rest()::handle);
        http.createContext("/api/uploads", endpoints.rest()::handle);
        if (endpoints.uploads() != null) {
            http.createContext("/uploads/", endpoints.uploads()::serve);
        }
        if (endpoints.prometheus() != null) {
            PrometheusMeterRegistry registry = endpoints.prometheus();
            http.createContext("/metrics", exchange -> {
                if (!exchange.getRequestURI().getPath().equals("/metrics") || !exchange.getRequestMethod().equals("GET")) {
                    send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
                    return;
                }
                send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                        registry.scrape().getBytes(StandardCharsets.UTF_8));
            });
        }
        http.start();
        return new ExampleHttpServer(http);
    }

    /** The page's three files; anything else is not found, so no path reaches the class path. */
    private static final Map<String, String> PAGE_FILES = Map.of(
            "/", "text/html; charset=utf-8",
            "/app.js", "text/javascript; charset=utf-8",
            "/app.css", "text/css; charset=utf-8");

    private static final Map<String, String> RESOURCES = Map.of(
            "/", "/web/index.html",
            "/app.js", "/web/app.js",
            "/app.css", "/web/app.css");

    /** A host as the browser may name ours: a DNS name, IPv4, or a bracketed IPv6 address. */
    private static final Pattern HOST = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]{1,253})(:\\d{1,5})?");

    private static void page(HttpExchange exchange, int wsPort) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String type = PAGE_FILES.get(path);
        if (type == null || !exchange.getRequestMethod().equals("GET")) {
            send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
            return;
        }
        byte[] body;
        try (InputStream in = ExampleHttpServer.class.getResourceAsStream(RESOURCES.get(path))) {
            if (in == null) {
                throw new IOException("the jar lacks " + RESOURCES.get(path));
            }
            body = in.readAllBytes();
        }
        exchange.getResponseHeaders().set("Content-Security-Policy", contentSecurityPolicy(exchange, wsPort));
        exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        send(exchange, 200, type, body);
    }

    /**
     * Our own origin for everything, plus the WebSocket: the page connects to the host it was
     * loaded from on the WebSocket port ({@code GET /api/config}), and {@code 'self'} does not
     * cover another port. No inline script or style, so injected markup could run nothing.
     */
    static String contentSecurityPolicy(HttpExchange exchange, int wsPort) {
        String host = exchange.getRequestHeaders().getFirst("Host");
        Matcher m = host == null ? null : HOST.matcher(host);
        // A Host header we cannot vouch for is never echoed into a header; the bind address stands in.
        String name = m != null && m.matches() ? m.group(1) : exchange.getLocalAddress().getAddress().getHostAddress();
        if (name.indexOf(':') >= 0 && !name.startsWith("[")) {
            name = "[" + name + "]";
        }
        String ws = "ws://" + name + ":" + wsPort + " wss://" + name + ":" + wsPort;
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' " + ws
                + "; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }

    private static void sendJson(HttpExchange exchange, int status, Object body) throws IOException {
        send(exchange, status, "application/json", JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    int port() {
        return http.getAddress().getPort();
    }

    void stop() {
        http.stop(0);
    }
}
