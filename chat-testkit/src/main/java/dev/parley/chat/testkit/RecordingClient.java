package dev.parley.chat.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A test client that records every frame the server sends, with awaits that fail after a
 * deadline instead of sleeping (in the manner of OkHttp's {@code WebSocketRecorder}).
 *
 * <p>Frames are kept in arrival order. {@link #next()} and {@link #awaitType} consume them one by
 * one; {@link #messages(String)} and {@link #all()} look at everything received.
 *
 * <p><b>Thread safety.</b> Safe from any thread; a test usually drives one client from one thread.
 */
public final class RecordingClient implements AutoCloseable {
    /** How long awaits wait unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = FrameLog.DEFAULT_TIMEOUT;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FrameLog log = new FrameLog();
    private final AtomicLong refs = new AtomicLong();
    private @Nullable InMemoryConnection connection;

    RecordingClient() {}

    void attach(InMemoryConnection theConnection) {
        this.connection = theConnection;
    }

    void deliver(String text) {
        log.received(text);
    }

    void closed(int code, String reason) {
        log.closed(code, reason);
    }

    // ---- sending ------------------------------------------------------------------------

    /** Sends a text frame as is. */
    public void send(String text) {
        connection().fromClient(text);
    }

    /**
     * Makes the server's sends of frames matching {@code frames} (by their JSON text) throw, as a
     * broken transport would: for tests of how the engine isolates a failing connection.
     */
    public void failSendsMatching(Predicate<String> frames) {
        connection().failSendsMatching(frames);
    }

    /** Sends a binary frame (which the protocol refuses). */
    public void sendBinary() {
        connection().binaryFromClient();
    }

    /** Sends {@code hello} for the user and awaits {@code welcome}. */
    public JsonNode hello(String user) {
        return request("{\"type\":\"hello\",\"v\":1,\"user\":" + quote(user) + "}");
    }

    /** Sends {@code join} and awaits {@code joined}. */
    public JsonNode join(String room) {
        return request("{\"type\":\"join\",\"room\":" + quote(room) + "}");
    }

    /**
     * Sends a command (a JSON object text without {@code ref}), adding a fresh integer ref, and
     * awaits the reply or error carrying that ref.
     */
    public JsonNode request(String command) {
        long ref = refs.incrementAndGet() + 1_000_000;
        String withRef = command.substring(0, command.lastIndexOf('}')) + ",\"ref\":" + ref + "}";
        send(withRef);
        return await(f -> f.has("ref") && f.get("ref").asLong() == ref, DEFAULT_TIMEOUT, "reply to ref " + ref);
    }

    /** Sends {@code publish} of a text body and awaits its reply ({@code published} or an error). */
    public JsonNode publish(String room, String body) {
        return request("{\"type\":\"publish\",\"room\":" + quote(room) + ",\"body\":" + quote(body) + "}");
    }

    /** The JSON string literal for {@code s}. */
    public static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- flow control and closing --------------------------------------------------------

    /** Stops reading: frames queue on the server side until {@link #resume()}. */
    public void pause() {
        connection().pause();
    }

    /** Reads again: takes everything queued and goes on reading. */
    public void resume() {
        connection().resume();
    }

    /** The most bytes ever queued for this client on the server side. */
    public long maxQueuedBytes() {
        return connection().maxQueuedBytes();
    }

    /** Closes cleanly (1000). */
    @Override
    public void close() {
        InMemoryConnection c = connection;
        if (c != null) {
            c.closeFromClient(1000, "client closed");
        }
    }

    /** Vanishes without a close handshake: the server sees the connection lost (1006). */
    public void drop() {
        connection().closeFromClient(1006, "connection lost");
    }

    // ---- awaiting -----------------------------------------------------------------------

    /** The next frame not consumed yet. */
    public JsonNode next() {
        return await(f -> true, DEFAULT_TIMEOUT, "any frame");
    }

    /** Consumes frames up to and including the next one of the given type, and returns it. */
    public JsonNode awaitType(String type) {
        return await(f -> type.equals(f.path("type").asText()), DEFAULT_TIMEOUT, "a " + type + " frame");
    }

    /** Consumes frames up to and including the next one matching, within the deadline. */
    public JsonNode await(Predicate<JsonNode> matching, Duration timeout, String what) {
        return log.await(matching, timeout, what);
    }

    /** Waits until {@code count} {@code message} pushes of the room were received; returns them all. */
    public List<JsonNode> awaitMessages(String room, int count) {
        return awaitMessages(room, count, DEFAULT_TIMEOUT);
    }

    /**
     * Waits until {@code count} {@code message} pushes of the room were received; returns them all
     * and consumes the frames up to the {@code count}th.
     */
    public List<JsonNode> awaitMessages(String room, int count, Duration timeout) {
        return log.awaitMessages(room, count, timeout);
    }

    /**
     * Waits until at least {@code count} of all the frames received (consumed or not) match, and
     * returns every match in arrival order.
     */
    public List<JsonNode> awaitAll(Predicate<JsonNode> matching, int count, Duration timeout, String what) {
        return log.awaitAll(matching, count, timeout, what);
    }

    /** Every {@code message} push of the room received so far, in arrival order. */
    public List<JsonNode> messages(String room) {
        return log.messages(room);
    }

    /** Every frame received so far, consumed or not. */
    public List<JsonNode> all() {
        return log.all();
    }

    /** Waits for the connection to be closed with {@code code}. */
    public void awaitClosed(int code) {
        log.awaitClosed(code);
    }

    /** Whether the connection is closed, and with which code (-1 while open). */
    public int closeCode() {
        return log.closeCode();
    }

    /**
     * Asserts that nothing but the given ping's pong arrives: sends {@code ping} and checks that
     * no unconsumed frame precedes its {@code pong}. Commands of one connection run in order, so
     * anything the server meant to send before it has arrived by then.
     */
    public void assertNoMore() {
        long ref = refs.incrementAndGet() + 1_000_000;
        send("{\"type\":\"ping\",\"ref\":" + ref + "}");
        JsonNode first = next();
        if (!("pong".equals(first.path("type").asText()) && first.path("ref").asLong() == ref)) {
            throw new AssertionError("expected no more frames, but received " + first);
        }
    }

    private InMemoryConnection connection() {
        InMemoryConnection c = connection;
        if (c == null) {
            throw new IllegalStateException("not connected");
        }
        return c;
    }
}
