package dev.parley.chat.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.chat.testkit.RawClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A plain-socket client of {@link NdjsonTcpTransport}, as {@code nc} would be: it writes lines and
 * reads lines, and takes the transport's last {@code {"type":"close","code":N}} line as the close.
 */
final class NdjsonRawClient implements RawClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Socket socket;
    private final OutputStream out;
    private final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final Object gate = new Object();
    private boolean paused; // guarded by gate

    private NdjsonRawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        Thread reader = new Thread(this::read, "ndjson-raw-client");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Connects to {@code 127.0.0.1:port}, sending {@code authorization} (an {@code Authorization}
     * header's value, or null for none) as the handshake line.
     */
    static NdjsonRawClient open(int port, @Nullable String authorization) throws IOException {
        NdjsonRawClient client = new NdjsonRawClient(new Socket("127.0.0.1", port));
        client.writeLine((authorization == null ? "" : "Authorization: " + authorization).getBytes(StandardCharsets.UTF_8));
        return client;
    }

    /** Connects to {@code 127.0.0.1:port} and sends nothing yet, as {@code nc} does. */
    static NdjsonRawClient openPlain(int port) throws IOException {
        return new NdjsonRawClient(new Socket("127.0.0.1", port));
    }

    /** Sends one line as it is: a frame, or anything a person could type. */
    void sendLine(String line) {
        writeLine(line.getBytes(StandardCharsets.UTF_8));
    }

    /** The next line as JSON. */
    JsonNode nextJson(Duration timeout) {
        try {
            return JSON.readTree(nextText(timeout));
        } catch (IOException e) {
            throw new AssertionError("not JSON", e);
        }
    }

    /** The next line of {@code type}, skipping pushes of other types. */
    JsonNode awaitType(String type, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode frame = nextJson(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (frame.path("type").asText().equals(type)) {
                return frame;
            }
        }
    }

    @Override
    public void sendText(String text) {
        sendLine(text);
    }

    @Override
    public void sendBinary(byte[] data) {
        // Lines have no binary frames: a line that is not UTF-8 (0xFF never is) is what the
        // transport reports as one.
        byte[] line = new byte[data.length + 1];
        line[0] = (byte) 0xFF;
        System.arraycopy(data, 0, line, 1, data.length);
        writeLine(line);
    }

    private synchronized void writeLine(byte[] bytes) {
        try {
            out.write(bytes);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new AssertionError("cannot send: " + e, e);
        }
    }

    @Override
    public String nextText(Duration timeout) {
        try {
            String text = texts.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (text == null) {
                throw new AssertionError("no line within " + timeout + (closed.isDone() ? " (closed " + closed.join() + ")" : ""));
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public int awaitClose(Duration timeout) {
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("still open after " + timeout, e);
        }
    }

    @Override
    public void close(int code, String reason) {
        try {
            socket.shutdownOutput(); // an end of input is how a TCP client closes cleanly
        } catch (IOException e) {
            abort();
        }
    }

    @Override
    public void abort() {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException e) {
            // already gone
        }
        closed.complete(1006);
    }

    @Override
    public void pauseReading() {
        synchronized (gate) {
            paused = true;
        }
    }

    @Override
    public void resumeReading() {
        synchronized (gate) {
            paused = false;
            gate.notifyAll();
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
            while (true) {
                synchronized (gate) {
                    while (paused) {
                        gate.wait();
                    }
                }
                String line = in.readLine();
                if (line == null) {
                    break;
                }
                if (line.startsWith("{\"type\":\"close\"")) {
                    closed.complete(JSON.readTree(line).path("code").asInt(1006));
                    socket.close();
                    return;
                }
                texts.add(line);
            }
        } catch (IOException | InterruptedException e) {
            // the connection ended
        }
        closed.complete(1006);
    }
}
