package dev.parley.chat.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.parley.chat.ChatServer;
import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.store.file.DamagedRange;
import dev.parley.chat.store.file.FileMessageStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The example's HTTP side, on the JDK's server (Java-WebSocket cannot serve plain HTTP): the web
 * page (with a Content-Security-Policy), {@code GET /api/config} (where the WebSocket is),
 * {@code GET /api/health}, and read-only REST views of a room.
 */
final class ExampleHttpServer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer http;

    private ExampleHttpServer(HttpServer http) {
        this.http = http;
    }

    static ExampleHttpServer start(InetSocketAddress address, int wsPort, ChatServer chat, MessageStore store)
            throws IOException {
        HttpServer http = HttpServer.create(address, 0);
        http.setExecutor(Executors.newFixedThreadPool(2, r -> {
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
        http.createContext("/api/health", exchange -> sendJson(exchange, 200, health(store)));
        http.createContext("/api/rooms/", exchange -> roomView(exchange, chat));
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

    /** {@code GET /api/rooms/ROOM/messages} (the latest 50) and {@code GET /api/rooms/ROOM/members}. */
    private static void roomView(HttpExchange exchange, ChatServer chat) throws IOException {
        String[] parts = exchange.getRequestURI().getPath().split("/");
        // ["", "api", "rooms", ROOM, VIEW]
        // Direct rooms are private to their two users, and this API knows no user.
        if (parts.length != 5 || parts[3].startsWith("dm:")) {
            sendJson(exchange, 404, error("no such view"));
            return;
        }
        String room = parts[3];
        try {
            chat.room(room);
        } catch (IllegalArgumentException e) {
            sendJson(exchange, 400, error("invalid room name"));
            return;
        }
        if (parts[4].equals("messages")) {
            ArrayNode out = JSON.createArrayNode();
            for (Message m : chat.room(room).history(Long.MAX_VALUE, 50)) {
                ObjectNode node = out.addObject();
                node.put("seq", m.seq());
                node.put("user", m.user());
                node.put("body", m.body());
                node.put("ts", m.ts());
                node.put("kind", m.kind().wireName());
            }
            sendJson(exchange, 200, out);
        } else if (parts[4].equals("members")) {
            ArrayNode out = JSON.createArrayNode();
            for (Member m : chat.room(room).members()) {
                out.addObject().put("user", m.user()).put("status", m.status().wireName()).put("lastSeen", m.lastSeen());
            }
            sendJson(exchange, 200, out);
        } else {
            sendJson(exchange, 404, error("no such view"));
        }
    }

    /**
     * {@code GET /api/health}: {@code status} is {@code ok}, or {@code damaged} when the file store
     * knows damaged records; {@code damage} lists them per room as {@code [first, last]} seq ranges,
     * for an operator to look at and repair on purpose (chat-store-file's FORMAT.md, "Repair").
     */
    private static ObjectNode health(MessageStore store) {
        ObjectNode out = JSON.createObjectNode();
        ObjectNode damage = JSON.createObjectNode();
        if (store instanceof FileMessageStore file) {
            for (Map.Entry<String, List<DamagedRange>> e : file.damage().entrySet()) {
                ArrayNode ranges = damage.putArray(e.getKey());
                for (DamagedRange r : e.getValue()) {
                    ranges.addArray().add(r.firstSeq()).add(r.lastSeq());
                }
            }
        }
        out.put("status", damage.isEmpty() ? "ok" : "damaged");
        out.set("damage", damage);
        return out;
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
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
