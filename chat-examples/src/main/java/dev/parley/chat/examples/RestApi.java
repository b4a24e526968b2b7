package dev.parley.chat.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.parley.chat.ChatException;
import dev.parley.chat.ChatServer;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.spi.Authenticator;
import dev.parley.chat.spi.Authorizer;
import dev.parley.chat.spi.Credentials;
import dev.parley.chat.spi.Handshake;
import dev.parley.chat.spi.Identity;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.RoomInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The example server's REST API under {@code /api/rooms}, authenticated like the WebSocket: an
 * {@code Authorization: Bearer TOKEN} header goes to the server's {@link Authenticator} as the
 * handshake token, and {@code ?user=NAME} is the {@code hello}'s user (what the trusting
 * authenticator needs). Every room is checked with the same {@link Authorizer} as a client's
 * command. Errors are {@code {"code", "message", "retryAfterMs"?}} with the protocol's codes.
 *
 * <ul>
 *   <li>{@code GET /api/rooms}: the caller's room list, with {@code read} and {@code unread}
 *   <li>{@code POST /api/rooms} {@code {"room", "topic"?}}: creates a room (409 when it exists)
 *   <li>{@code GET /api/rooms/ROOM/messages?before=&after=&limit=}: history, as PROTOCOL §5.7
 *   <li>{@code GET /api/rooms/ROOM/members}
 *   <li>{@code POST /api/rooms/ROOM/messages} {@code {"body"}}: publishes as the caller; an
 *       {@code Idempotency-Key} header is the cid, so a retry appends once
 *   <li>{@code POST /api/uploads?name=FILE} with the file as the raw body: kept by {@link
 *       UploadStore} (201 {@code {"url", "name", "type", "size"}}; 413 over the limit, 415 for a
 *       type the bytes do not show); the url is what a message's {@code meta} carries
 * </ul>
 */
final class RestApi {
    private static final Logger log = LoggerFactory.getLogger(RestApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9_.-]{1,32}");
    private static final int MAX_ROOMS_LISTED = 1000;
    /** The longest a publish may take to be stored before the caller is told to retry. */
    private static final long PUBLISH_TIMEOUT_SECONDS = 10;

    private final ChatServer chat;
    private final MessageStore store;
    private final Authenticator authenticator;
    private final Authorizer authorizer;
    private final Limits limits;
    private final Clock clock;
    private final UploadStore uploads;
    /** One publish bucket per user, like a connection's; a caller needs no connection here. */
    private final Map<String, PublishBucket> buckets = new ConcurrentHashMap<>();
    /** Beyond this many users' buckets, the full ones are forgotten: a full bucket is a new one. */
    private static final int MAX_BUCKETS = 10_000;

    /**
     * The server's limits the API applies itself, as the engine does for a connection.
     *
     * @param maxBodyBytes the largest body in UTF-8 bytes
     * @param historyLimit the most messages one page returns
     * @param publishPerSecond publishes per second per user
     * @param publishBurst the publish burst per user
     */
    record Limits(int maxBodyBytes, int historyLimit, int publishPerSecond, int publishBurst) {}

    RestApi(ChatServer chat, MessageStore store, Authenticator authenticator, Authorizer authorizer, Limits limits,
            Clock clock, UploadStore uploads) {
        this.uploads = uploads;
        this.chat = chat;
        this.store = store;
        this.authenticator = authenticator;
        this.authorizer = authorizer;
        this.limits = limits;
        this.clock = clock;
    }

    /** Serves one request under {@code /api/rooms} or {@code /api/uploads}; every refusal is a JSON error. */
    void handle(HttpExchange exchange) throws IOException {
        try {
            route(exchange);
        } catch (HttpError e) {
            sendError(exchange, e.status, e.code, e.getMessage(), e.retryAfterMs);
        } catch (ChatException e) {
            sendError(exchange, status(e.code()), e.code(), e.getMessage(), 0);
        } catch (RuntimeException e) {
            log.error("REST {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
            sendError(exchange, 500, ErrorCode.INTERNAL, "internal error", 0);
        } finally {
            exchange.close();
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        // The raw path: a room name may hold ':' and '.', never '/', and is matched before decoding.
        String[] parts = exchange.getRequestURI().getRawPath().split("/", -1);
        // ["", "api", "rooms"] or ["", "api", "rooms", ROOM, VIEW]; the context also matches /api/roomsX.
        if (parts.length == 3 && parts[2].equals("uploads")) {
            Identity caller = authenticate(exchange);
            if (!method.equals("POST")) {
                throw notAllowed(exchange, "POST");
            }
            upload(exchange, caller);
            return;
        }
        if (parts.length < 3 || !parts[2].equals("rooms")) {
            throw new HttpError(404, ErrorCode.NOT_FOUND, "no such resource");
        }
        if (parts.length == 3 || (parts.length == 4 && parts[3].isEmpty())) {
            Identity caller = authenticate(exchange);
            if (method.equals("GET")) {
                listRooms(exchange, caller);
            } else if (method.equals("POST")) {
                createRoom(exchange, caller);
            } else {
                throw notAllowed(exchange, "GET, POST");
            }
            return;
        }
        if (parts.length != 5 || !(parts[4].equals("messages") || parts[4].equals("members"))) {
            throw new HttpError(404, ErrorCode.NOT_FOUND, "no such resource");
        }
        Identity caller = authenticate(exchange);
        String room = validRoom(URLDecoder.decode(parts[3], StandardCharsets.UTF_8));
        if (parts[4].equals("members")) {
            if (!method.equals("GET")) {
                throw notAllowed(exchange, "GET");
            }
            members(exchange, caller, room);
        } else if (method.equals("GET")) {
            history(exchange, caller, room);
        } else if (method.equals("POST")) {
            publish(exchange, caller, room);
        } else {
            throw notAllowed(exchange, "GET, POST");
        }
    }

    // ---- authentication ------------------------------------------------------------------

    /** The caller, as a WebSocket {@code hello} with these credentials would be. */
    private Identity authenticate(HttpExchange exchange) {
        String user = query(exchange).get("user");
        if (user != null && (!USER.matcher(user).matches() || user.startsWith("."))) {
            throw new HttpError(400, ErrorCode.INVALID_USER, "invalid user name");
        }
        String token = bearer(exchange.getRequestHeaders().getFirst("Authorization"));
        Handshake handshake = new Handshake(exchange.getRemoteAddress().toString(), token);
        Identity identity;
        try {
            identity = authenticator.identify(new Credentials(user, null, handshake));
        } catch (ChatException e) {
            throw unauthenticated(exchange, e.getMessage());
        } catch (RuntimeException e) {
            log.error("REST: the authenticator failed", e);
            throw unauthenticated(exchange, "authentication failed");
        }
        if (identity == null || !USER.matcher(identity.user()).matches() || identity.user().startsWith(".")) {
            throw unauthenticated(exchange, "the credentials name no valid user");
        }
        if (identity.expiresAt() != null && !clock.instant().isBefore(identity.expiresAt())) {
            throw unauthenticated(exchange, "the token expired");
        }
        return identity;
    }

    private static HttpError unauthenticated(HttpExchange exchange, String message) {
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"parley\"");
        return new HttpError(401, ErrorCode.UNAUTHENTICATED, message);
    }

    private static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = authorization.substring(7).strip();
        return token.isEmpty() ? null : token;
    }

    // ---- the resources ---------------------------------------------------------------------

    private void listRooms(HttpExchange exchange, Identity caller) throws IOException {
        List<RoomInfo> all = new ArrayList<>(readStore(store::rooms));
        all.sort(Comparator.comparing(RoomInfo::room));
        ArrayNode rooms = JSON.createArrayNode();
        for (RoomInfo info : all) {
            if (rooms.size() == MAX_ROOMS_LISTED) {
                break;
            }
            // By user name, as the protocol's rooms reply is (Authorizer's Javadoc).
            if (!authorizer.mayRead(caller.user(), info.room())) {
                continue;
            }
            long read = readStore(() -> store.readMarker(info.room(), caller.user()));
            rooms.addObject()
                    .put("room", info.room())
                    .put("topic", info.topic())
                    .put("members", chat.room(info.room()).members().size())
                    .put("seq", info.lastSeq())
                    .put("read", read)
                    .put("unread", Math.max(0, info.lastSeq() - read));
        }
        ObjectNode out = JSON.createObjectNode();
        out.set("rooms", rooms);
        sendJson(exchange, 200, out);
    }

    private void createRoom(HttpExchange exchange, Identity caller) throws IOException {
        JsonNode request = readJson(exchange, 4096);
        String room = validRoom(textField(request, "room", true));
        String topic = textField(request, "topic", false);
        if (topic == null) {
            topic = "";
        }
        if (topic.length() > 256) {
            throw new HttpError(400, ErrorCode.BAD_REQUEST, "a topic is at most 256 characters");
        }
        if (!authorizer.mayCreate(caller, room)) {
            throw new HttpError(403, ErrorCode.FORBIDDEN, "not allowed to create this room");
        }
        String theTopic = topic;
        Optional<RoomInfo> created = readStore(() -> store.create(room, theTopic, clock.millis()));
        if (created.isEmpty()) {
            throw new HttpError(409, ErrorCode.ROOM_EXISTS, "the room exists");
        }
        exchange.getResponseHeaders().set("Location", "/api/rooms/" + room);
        sendJson(exchange, 201, JSON.createObjectNode().put("room", room).put("topic", theTopic));
    }

    private void members(HttpExchange exchange, Identity caller, String room) throws IOException {
        mayRead(caller, room);
        existing(room);
        ArrayNode members = JSON.createArrayNode();
        for (Member m : chat.room(room).members()) {
            members.addObject().put("user", m.user()).put("status", m.status().wireName()).put("lastSeen", m.lastSeen());
        }
        ObjectNode out = JSON.createObjectNode().put("room", room);
        out.set("members", members);
        sendJson(exchange, 200, out);
    }

    /** PROTOCOL §5.7 and §9 "history": ascending; before and after exclude each other. */
    private void history(HttpExchange exchange, Identity caller, String room) throws IOException {
        Map<String, String> query = query(exchange);
        Long before = seqParameter(query, "before");
        Long after = seqParameter(query, "after");
        if (before != null && after != null) {
            throw new HttpError(400, ErrorCode.BAD_REQUEST, "before and after exclude each other");
        }
        Long asked = seqParameter(query, "limit");
        if (asked != null && asked < 1) {
            throw new HttpError(400, ErrorCode.BAD_REQUEST, "limit must be at least 1");
        }
        int limit = (int) Math.min(asked == null ? 50 : asked, limits.historyLimit());
        mayRead(caller, room);
        existing(room);
        // One more than asked tells whether more exist in that direction.
        List<Message> page;
        boolean hasMore;
        if (after != null) {
            List<Message> read = readStore(() -> store.readAfter(room, after, limit + 1));
            hasMore = read.size() > limit;
            page = hasMore ? read.subList(0, limit) : read;
        } else {
            long from = before != null ? before : Long.MAX_VALUE;
            List<Message> read = readStore(() -> store.readBefore(room, from, limit + 1));
            hasMore = read.size() > limit;
            page = hasMore ? read.subList(1, read.size()) : read;
        }
        ArrayNode messages = JSON.createArrayNode();
        for (Message m : page) {
            messages.add(messageJson(m));
        }
        ObjectNode out = JSON.createObjectNode().put("room", room);
        out.set("messages", messages);
        out.put("hasMore", hasMore);
        sendJson(exchange, 200, out);
    }

    /**
     * Publishes through {@link dev.parley.chat.Room#publish(String, String, String)}: the room's
     * single writer, its sequencer, dedupe window and listeners, as a client's publish. The
     * policy, the body's size and the rate are checked here first, in the protocol's order.
     */
    private void publish(HttpExchange exchange, Identity caller, String room) throws IOException {
        String cid = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        if (cid != null && !validCid(cid)) {
            throw new HttpError(400, ErrorCode.BAD_REQUEST, "Idempotency-Key must be 1 to 64 characters from '!' to '~'");
        }
        // A body of maxBodyBytes may need six bytes a character as JSON escapes; more is too large.
        JsonNode request = readJson(exchange, limits.maxBodyBytes() * 6L + 1024);
        String body = textField(request, "body", true);
        if (body.isEmpty()) {
            throw new HttpError(400, ErrorCode.BAD_REQUEST, "body must not be empty");
        }
        if (body.getBytes(StandardCharsets.UTF_8).length > limits.maxBodyBytes()) {
            throw new HttpError(413, ErrorCode.MESSAGE_TOO_LARGE, "body is over " + limits.maxBodyBytes() + " bytes");
        }
        takeToken(exchange, caller, "too many publishes; retry later");
        if (!authorizer.mayPublish(caller, room)) {
            throw new HttpError(403, ErrorCode.FORBIDDEN, "not allowed to publish in this room");
        }
        existing(room);
        Message stored;
        try {
            stored = chat.room(room).publish(caller.user(), body, cid).get(PUBLISH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, ErrorCode.BAD_REQUEST, e.getMessage());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ChatException refused) {
                throw refused;
            }
            throw new ChatException(ErrorCode.INTERNAL, "the publish failed", e.getCause());
        } catch (TimeoutException e) {
            throw new HttpError(503, ErrorCode.UNAVAILABLE, "the store did not answer in time; retry with the same Idempotency-Key");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, ErrorCode.UNAVAILABLE, "interrupted; retry with the same Idempotency-Key");
        }
        // A retry with the same key answers with the original message: the same seq, id and ts.
        exchange.getResponseHeaders().set("Location", "/api/rooms/" + room + "/messages?after=" + (stored.seq() - 1) + "&limit=1");
        sendJson(exchange, 201, messageJson(stored));
    }

    /**
     * Keeps a shared file. The caller's publish bucket is charged as for a publish: a file is
     * written to disk, so it is at least as dear.
     */
    private void upload(HttpExchange exchange, Identity caller) throws IOException {
        if (uploads == null) {
            throw new HttpError(404, ErrorCode.NOT_FOUND, "uploads are off on this server");
        }
        takeToken(exchange, caller, "too many uploads; retry later");
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        long declaredLength = -1;
        if (length != null) {
            try {
                declaredLength = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                throw new HttpError(400, ErrorCode.BAD_REQUEST, "Content-Length is not a number");
            }
        }
        UploadStore.Stored stored;
        try (InputStream body = exchange.getRequestBody()) {
            stored = uploads.store(body, declaredLength, exchange.getRequestHeaders().getFirst("Content-Type"),
                    query(exchange).get("name"));
        } catch (UploadStore.Refused e) {
            throw new HttpError(e.status, e.status == 413 ? ErrorCode.MESSAGE_TOO_LARGE : ErrorCode.BAD_REQUEST, e.getMessage());
        } catch (IOException e) {
            log.warn("REST: an upload of {} could not be stored: {}", caller.user(), e.toString());
            throw new HttpError(503, ErrorCode.UNAVAILABLE, "the file could not be stored; retry later");
        }
        log.info("upload {} by {}: {} bytes of {}", stored.path(), caller.user(), stored.sizeBytes(), stored.kind().essence());
        exchange.getResponseHeaders().set("Location", stored.path());
        sendJson(exchange, 201, JSON.createObjectNode()
                .put("url", stored.path())
                .put("name", stored.name())
                .put("type", stored.kind().essence())
                .put("size", stored.sizeBytes()));
    }

    private void takeToken(HttpExchange exchange, Identity caller, String refusal) {
        long now = clock.millis();
        if (buckets.size() > MAX_BUCKETS) {
            buckets.values().removeIf(b -> b.isFull(now));
        }
        long retryAfter = buckets.computeIfAbsent(caller.user(), u -> new PublishBucket(limits, now)).tryTake(now);
        if (retryAfter > 0) {
            exchange.getResponseHeaders().set("Retry-After", Long.toString((retryAfter + 999) / 1000));
            throw new HttpError(429, ErrorCode.RATE_LIMITED, refusal, retryAfter);
        }
    }

    // ---- checks ------------------------------------------------------------------------------

    private void mayRead(Identity caller, String room) {
        if (!authorizer.mayRead(caller, room)) {
            throw new HttpError(403, ErrorCode.FORBIDDEN, "not allowed to read this room");
        }
    }

    private void existing(String room) {
        if (readStore(() -> store.room(room)).isEmpty()) {
            throw new HttpError(404, ErrorCode.NOT_FOUND, "no such room");
        }
    }

    private String validRoom(String room) {
        try {
            chat.room(room);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, ErrorCode.INVALID_ROOM, "invalid room name");
        }
        return room;
    }

    private static boolean validCid(String cid) {
        if (cid.isEmpty() || cid.length() > 64) {
            return false;
        }
        return cid.chars().allMatch(c -> c >= '!' && c <= '~');
    }

    private static Long seqParameter(Map<String, String> query, String name) {
        String value = query.get(name);
        if (value == null) {
            return null;
        }
        try {
            long n = Long.parseLong(value);
            if (n < 0 || n > (1L << 53) - 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new HttpError(400, ErrorCode.BAD_REQUEST, name + " must be an integer in [0, 2^53 - 1]");
        }
    }

    private static JsonNode readJson(HttpExchange exchange, long maxBytes) throws IOException {
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        }
        if (bytes.length > maxBytes) {
            throw new HttpError(413, ErrorCode.MESSAGE_TOO_LARGE, "the request body is too large");
        }
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new HttpError(400, ErrorCode.BAD_REQUEST, "the request body is not JSON");
        }
        if (node == null || !node.isObject()) {
            throw new HttpError(400, ErrorCode.BAD_REQUEST, "the request body must be a JSON object");
        }
        return node;
    }

    private static String textField(JsonNode request, String name, boolean required) {
        JsonNode value = request.get(name);
        if (value == null || value.isNull()) {
            if (required) {
                throw new HttpError(400, ErrorCode.BAD_REQUEST, name + " is required");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new HttpError(400, ErrorCode.BAD_REQUEST, name + " must be a string");
        }
        return value.asText();
    }

    /** A store call; its failure is the protocol's UNAVAILABLE. */
    private static <T> T readStore(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            log.warn("REST: the store failed: {}", e.toString());
            throw new HttpError(503, ErrorCode.UNAVAILABLE, "the store failed; retry later");
        }
    }

    // ---- responses ---------------------------------------------------------------------------

    /** The protocol's message object (PROTOCOL §4). */
    private static ObjectNode messageJson(Message m) {
        ObjectNode node = JSON.createObjectNode()
                .put("room", m.room())
                .put("seq", m.seq())
                .put("id", m.id())
                .put("user", m.user())
                .put("body", m.body())
                .put("ts", m.ts())
                .put("kind", m.kind().wireName());
        if (m.cid() != null) {
            node.put("cid", m.cid());
        }
        if (m.target() > 0) {
            node.put("target", m.target());
        }
        if (m.replyTo() > 0) {
            node.put("replyTo", m.replyTo());
        }
        if (m.meta() != null) {
            try {
                node.set("meta", JSON.readTree(m.meta()));
            } catch (JsonProcessingException e) {
                log.warn("room {} seq {}: stored meta is not JSON; left out", m.room(), m.seq());
            }
        }
        return node;
    }

    /** The HTTP status of each protocol error code. */
    static int status(ErrorCode code) {
        switch (code) {
            case BAD_REQUEST:
            case UNKNOWN_TYPE:
            case INVALID_ROOM:
            case INVALID_USER:
                return 400;
            case UNAUTHENTICATED:
                return 401;
            case FORBIDDEN:
                return 403;
            case NOT_FOUND:
                return 404;
            case NOT_IN_ROOM:
            case ROOM_EXISTS:
                return 409;
            case MESSAGE_TOO_LARGE:
                return 413;
            case RATE_LIMITED:
            case LIMIT_EXCEEDED:
                return 429;
            case UNAVAILABLE:
                return 503;
            default:
                return 500;
        }
    }

    private static HttpError notAllowed(HttpExchange exchange, String allow) {
        exchange.getResponseHeaders().set("Allow", allow);
        return new HttpError(405, ErrorCode.BAD_REQUEST, "method not allowed; use " + allow);
    }

    static void sendError(HttpExchange exchange, int status, ErrorCode code, String message, long retryAfterMs)
            throws IOException {
        ObjectNode error = JSON.createObjectNode().put("code", code.name()).put("message", message);
        if (retryAfterMs > 0) {
            error.put("retryAfterMs", retryAfterMs);
        }
        sendJson(exchange, status, error);
    }

    static void sendJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> out = new LinkedHashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(name, value);
        }
        return out;
    }

    /** A refusal with its HTTP status and protocol code. */
    private static final class HttpError extends RuntimeException {
        final int status;
        final ErrorCode code;
        final long retryAfterMs;

        HttpError(int status, ErrorCode code, String message) {
            this(status, code, message, 0);
        }

        HttpError(int status, ErrorCode code, String message, long retryAfterMs) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
            this.retryAfterMs = retryAfterMs;
        }
    }

    /** A token bucket of publishes for one user: {@code publishPerSecond}, burst {@code publishBurst}. */
    private static final class PublishBucket {
        private final double perMilli;
        private final double capacity;
        private double tokens;
        private long last;

        PublishBucket(Limits limits, long now) {
            this.perMilli = limits.publishPerSecond() / 1000.0;
            this.capacity = limits.publishBurst();
            this.tokens = capacity;
            this.last = now;
        }

        synchronized boolean isFull(long now) {
            return tokens + Math.max(0, now - last) * perMilli >= capacity;
        }

        /** Takes a token; returns 0, or the milliseconds until one is due. */
        synchronized long tryTake(long now) {
            tokens = Math.min(capacity, tokens + Math.max(0, now - last) * perMilli);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - tokens) / perMilli));
        }
    }
}
