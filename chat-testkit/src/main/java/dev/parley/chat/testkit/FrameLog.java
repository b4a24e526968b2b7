package dev.parley.chat.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Every frame a test client received, in arrival order, with awaits that fail after a deadline
 * instead of sleeping. Any test client records into one — the in-JVM {@link RecordingClient}, or
 * a client over a real socket — so tests read the same way whatever carries the frames.
 *
 * <p>{@link #await} consumes frames one by one (so a test can step through a conversation);
 * {@link #awaitAll} and {@link #all()} look at everything received.
 *
 * <p><b>Thread safety.</b> Frames and the close may be recorded from any thread while a test
 * thread awaits.
 */
public final class FrameLog {
    /** How long awaits wait unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Object lock = new Object();
    private final List<JsonNode> frames = new ArrayList<>();
    private final List<String> texts = new ArrayList<>();
    private int consumed;
    private int closeCode = -1;
    private @Nullable String closeReason;

    /**
     * Records a frame as received.
     *
     * @throws AssertionError if it is not JSON: the server must never send such a frame
     */
    public void received(String text) {
        JsonNode frame;
        try {
            frame = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AssertionError("the server sent a frame that is not JSON: " + text, e);
        }
        synchronized (lock) {
            texts.add(text);
            frames.add(frame);
            lock.notifyAll();
        }
    }

    /** Records the close; only the first one counts. */
    public void closed(int code, String reason) {
        synchronized (lock) {
            if (closeCode < 0) {
                closeCode = code;
                closeReason = reason;
            }
            lock.notifyAll();
        }
    }

    /** Consumes frames up to and including the next one matching, within the deadline. */
    public JsonNode await(Predicate<JsonNode> matching, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (true) {
                while (consumed < frames.size()) {
                    JsonNode frame = frames.get(consumed++);
                    if (matching.test(frame)) {
                        return frame;
                    }
                }
                waitUntil(deadline, what);
            }
        }
    }

    /** Consumes frames up to and including the next one of the given type. */
    public JsonNode awaitType(String type) {
        return await(f -> type.equals(f.path("type").asText()), DEFAULT_TIMEOUT, "a " + type + " frame");
    }

    /**
     * Waits until at least {@code count} of all the frames received (consumed or not) match, and
     * returns every match in arrival order.
     */
    public List<JsonNode> awaitAll(Predicate<JsonNode> matching, int count, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (true) {
                List<JsonNode> found = matching(matching);
                if (found.size() >= count) {
                    return found;
                }
                waitUntil(deadline, count + " " + what + " (have " + found.size() + ")");
            }
        }
    }

    /**
     * Waits until {@code count} {@code message} pushes of the room were received, returns them all,
     * and counts the frames up to the {@code count}th as consumed.
     */
    public List<JsonNode> awaitMessages(String room, int count, Duration timeout) {
        List<JsonNode> messages = awaitAll(f -> isMessageOf(f, room), count, timeout, "messages in " + room);
        synchronized (lock) {
            JsonNode last = messages.get(count - 1);
            for (int i = frames.size() - 1; i >= 0; i--) {
                if (frames.get(i) == last) {
                    consumed = Math.max(consumed, i + 1);
                    break;
                }
            }
        }
        return messages;
    }

    /** Every {@code message} push of the room received so far, in arrival order. */
    public List<JsonNode> messages(String room) {
        synchronized (lock) {
            return matching(f -> isMessageOf(f, room));
        }
    }

    /** Every frame received so far, consumed or not. */
    public List<JsonNode> all() {
        synchronized (lock) {
            return new ArrayList<>(frames);
        }
    }

    /** Every frame's text exactly as received, for checks of the encoding itself. */
    public List<String> texts() {
        synchronized (lock) {
            return new ArrayList<>(texts);
        }
    }

    /** Waits for the close and returns its code. */
    public int awaitClosed() {
        long deadline = System.nanoTime() + DEFAULT_TIMEOUT.toNanos();
        synchronized (lock) {
            while (closeCode < 0) {
                waitUntil(deadline, "the close");
            }
            return closeCode;
        }
    }

    /** Waits for the close and checks its code. */
    public void awaitClosed(int code) {
        int actual = awaitClosed();
        if (actual != code) {
            synchronized (lock) {
                throw new AssertionError("closed with " + actual + " (" + closeReason + "), expected " + code);
            }
        }
    }

    /** The close code, or -1 while open. */
    public int closeCode() {
        synchronized (lock) {
            return closeCode;
        }
    }

    private List<JsonNode> matching(Predicate<JsonNode> matching) {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode f : frames) {
            if (matching.test(f)) {
                found.add(f);
            }
        }
        return found;
    }

    private static boolean isMessageOf(JsonNode frame, String room) {
        return "message".equals(frame.path("type").asText()) && room.equals(frame.path("room").asText());
    }

    /** Waits on the lock until notified or the deadline; fails at the deadline. Holds the lock. */
    private void waitUntil(long deadline, String what) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            int from = Math.max(0, frames.size() - 5);
            throw new AssertionError("timed out waiting for " + what + "; last frames: " + frames.subList(from, frames.size()));
        }
        try {
            lock.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
