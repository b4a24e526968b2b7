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

/**
 * The example's HTTP side, on the JDK's server (Java-WebSocket cannot serve plain HTTP): the web
 * page, {@code GET /api/config} (where the WebSocket is), {@code GET /api/health}, and read-only REST
 * views of a room.
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
        http.createContext("/", exchange -> {
            if (!exchange.getRequestURI().getPath().equals("/")) {
                send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
                return;
            }
            try (InputStream page = ExampleHttpServer.class.getResourceAsStream("/web/index.html")) {
                send(exchange, 200, "text/html; charset=utf-8", page.readAllBytes());
            }
        });
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
