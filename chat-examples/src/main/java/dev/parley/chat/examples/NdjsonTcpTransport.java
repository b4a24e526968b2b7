package dev.parley.chat.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.spi.Connection;
import dev.parley.chat.spi.ConnectionAcceptor;
import dev.parley.chat.spi.ConnectionHandler;
import dev.parley.chat.spi.Handshake;
import dev.parley.chat.spi.OutboundFrame;
import dev.parley.chat.spi.Transport;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Transport} of newline-delimited JSON over plain TCP: a start to copy when your clients
 * speak another wire than WebSocket. {@code nc 127.0.0.1 PORT} is a client. It passes {@code
 * TransportContract} (see {@code NdjsonTcpTransportContractIT}); the example server starts it with
 * {@code --tcp-port N}.
 *
 * <p>The wire:
 *
 * <ul>
 *   <li>One frame per line, UTF-8, ended by {@code \n} (a {@code \r} before it is dropped, and
 *       empty lines are skipped, for people typing). The server's frames are compact JSON, which
 *       never holds a raw newline.
 *   <li>A line over {@code maxFrameBytes} closes the connection with 1009. A line that is not
 *       UTF-8 is not text: it is reported as a binary frame, which the engine answers with
 *       {@code BAD_REQUEST}.
 *   <li>The first line may be a handshake instead of a frame: {@code Authorization: Bearer TOKEN}
 *       (or an empty line for none). A first line that starts with <code>&#123;</code> is already the first
 *       frame, so {@code nc} users just type {@code hello} (with a {@code token} in it if they
 *       have one). The connection is handed to the engine when that first line has arrived; a
 *       socket that sends none within {@code handshakeTimeout} is dropped.
 *   <li>TCP has no close codes, so the server closes with a last line {@code
 *       {"type":"close","code":N,"reason":"..."}}, then half-closes and drops the socket when the
 *       client closes or 2 s later. A client closes by closing its socket: an end of input is
 *       1000, a reset or error 1006.
 * </ul>
 *
 * <p>There are no pings: a peer that vanishes without a FIN or a reset is noticed when a write
 * fails or by TCP keepalive, much later than the WebSocket transport's heartbeat would.
 *
 * <p>Backpressure is the engine's: {@link Connection#send} queues the shared frame object (never
 * a copy) and counts its payload bytes, a writer thread per connection writes the queue out, and
 * {@link Connection#queuedBytes()} is what is still queued.
 *
 * <p><b>Thread safety.</b> Safe from any thread. Each connection has a reader thread (which makes
 * every handler call except {@code onDrained}, so they never overlap) and a writer thread (which
 * makes the {@code onDrained} calls). Two threads per connection are fine for hundreds of
 * connections; for many thousands, copy this onto NIO or Netty instead.
 *
 * <p><b>Lifecycle.</b> {@link #start} binds and returns; {@link #close} stops accepting, closes
 * every connection with 1001 after what is queued on it, and waits a few seconds for them.
 */
public final class NdjsonTcpTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(NdjsonTcpTransport.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Object LINE = new Object(); // the key of a frame's bytes with the newline
    private static final long LINGER_MILLIS = 2_000;
    private static final long CLOSE_DEADLINE_MILLIS = 10_000;
    private static final long STOP_WAIT_MILLIS = 5_000;

    private final InetSocketAddress bind;
    private final int maxFrameBytes;
    private final long handshakeTimeoutMillis;
    private final Set<TcpConnection> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ndjson-tcp-timer");
        t.setDaemon(true);
        return t;
    });
    private volatile @Nullable ServerSocket server;

    private NdjsonTcpTransport(InetSocketAddress bind, int maxFrameBytes, long handshakeTimeoutMillis) {
        this.bind = bind;
        this.maxFrameBytes = maxFrameBytes;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    /**
     * A transport on {@code bind} (port 0 for any free port) with the protocol's frame limit of
     * 65 536 bytes and a handshake timeout of 10 s.
     */
    public static NdjsonTcpTransport listen(InetSocketAddress bind) {
        return listen(bind, 65_536);
    }

    /**
     * A transport on {@code bind} whose lines may hold at most {@code maxFrameBytes} bytes.
     *
     * @throws IllegalArgumentException if {@code maxFrameBytes} is below 1
     */
    public static NdjsonTcpTransport listen(InetSocketAddress bind, int maxFrameBytes) {
        if (maxFrameBytes < 1) {
            throw new IllegalArgumentException("maxFrameBytes was " + maxFrameBytes + " but must be at least 1");
        }
        return new NdjsonTcpTransport(bind, maxFrameBytes, 10_000);
    }

    /** The bound port, also when 0 was asked for. @throws IllegalStateException before start */
    public int port() {
        ServerSocket s = server;
        if (s == null) {
            throw new IllegalStateException("not started");
        }
        return s.getLocalPort();
    }

    @Override
    public void start(ConnectionAcceptor acceptor) {
        ServerSocket s;
        try {
            s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(bind);
        } catch (IOException e) {
            throw new ChatException(ErrorCode.INTERNAL, "cannot listen on tcp://" + bind, e);
        }
        server = s;
        Thread accepting = new Thread(() -> accept(s, acceptor), "ndjson-tcp-accept");
        accepting.setDaemon(true);
        accepting.start();
        log.info("NDJSON over TCP on {}", s.getLocalSocketAddress());
    }

    private void accept(ServerSocket s, ConnectionAcceptor acceptor) {
        while (!closed.get()) {
            try {
                Socket socket = s.accept();
                socket.setTcpNoDelay(true);
                socket.setKeepAlive(true); // no pings on this wire: let TCP notice a peer that vanished
                TcpConnection c = new TcpConnection(socket, "tcp-" + ids.incrementAndGet());
                Thread reader = new Thread(() -> c.run(acceptor), c.id + "-reader");
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                if (!closed.get()) {
                    log.warn("NDJSON over TCP: accept failed", e);
                }
            }
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ServerSocket s = server;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                log.debug("closing the server socket", e);
            }
        }
        for (TcpConnection c : open) {
            c.close(1001, "server shutting down");
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_WAIT_MILLIS);
        for (TcpConnection c : open) {
            try {
                c.ended.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                log.debug("{} did not end in time", c.id);
            }
        }
        timers.shutdownNow();
    }

    /** A line as read: its bytes, or {@link #TOO_LONG}. */
    private static final byte[] TOO_LONG = new byte[0];

    /** What the writer thread takes from a connection's queue besides frames. */
    private enum Signal { DRAIN, CLOSE, STOP }

    /** One client socket: the engine's {@link Connection}. */
    private final class TcpConnection implements Connection {
        final String id;
        final CompletableFuture<Void> ended = new CompletableFuture<>();
        private final Socket socket;
        private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        private final AtomicLong queued = new AtomicLong();
        private final AtomicBoolean drainWanted = new AtomicBoolean();
        private volatile Handshake handshake;
        private volatile @Nullable ConnectionHandler handler;
        // Guarded by this: once closing, nothing more is queued, so the close line comes last.
        private boolean closing;
        private volatile int closeCode;
        private volatile String closeReason = "";

        TcpConnection(Socket socket, String id) {
            this.socket = socket;
            this.id = id;
            this.handshake = new Handshake(String.valueOf(socket.getRemoteSocketAddress()), null);
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public Handshake handshake() {
            return handshake;
        }

        @Override
        public boolean send(OutboundFrame frame) {
            synchronized (this) {
                if (closing) {
                    return false;
                }
                queued.addAndGet(frame.sizeBytes());
                queue.add(frame);
            }
            return true;
        }

        @Override
        public long queuedBytes() {
            return queued.get();
        }

        @Override
        public void requestDrainNotice() {
            synchronized (this) {
                if (closing) {
                    return;
                }
                drainWanted.set(true);
                queue.add(Signal.DRAIN); // behind the frames: the writer looks when it gets there
            }
        }

        @Override
        public void close(int code, String reason) {
            synchronized (this) {
                if (closing) {
                    return;
                }
                closing = true;
                closeCode = code;
                closeReason = reason;
                queue.add(Signal.CLOSE);
            }
            // A writer stuck on a peer that never reads must not keep the socket for ever.
            schedule(this::drop, CLOSE_DEADLINE_MILLIS);
        }

        /** The reader thread: handshake line, then frames until the socket ends; then onClosed. */
        void run(ConnectionAcceptor acceptor) {
            int code = 1006;
            String reason = "connection lost";
            try {
                InputStream in = new BufferedInputStream(socket.getInputStream());
                socket.setSoTimeout((int) handshakeTimeoutMillis);
                byte[] first;
                try {
                    first = readLine(in);
                } catch (SocketTimeoutException e) {
                    log.debug("{}: no handshake line within {} ms", id, handshakeTimeoutMillis);
                    socket.close();
                    return;
                }
                if (first == null) {
                    socket.close();
                    return;
                }
                socket.setSoTimeout(0);
                byte[] firstFrame = null;
                if (first != TOO_LONG && first.length > 0 && first[0] == '{') {
                    firstFrame = first;
                } else if (first != TOO_LONG) {
                    handshake = new Handshake(handshake.remoteAddress(), bearerToken(first));
                }
                open.add(this);
                if (closed.get()) { // the transport closed while this one was handshaking
                    close(1001, "server shutting down");
                }
                ConnectionHandler h = acceptor.accept(this);
                handler = h;
                Thread writer = new Thread(this::write, id + "-writer");
                writer.setDaemon(true);
                writer.start();
                if (first == TOO_LONG) {
                    close(1009, "frame too large");
                } else if (firstFrame != null) {
                    deliver(h, firstFrame);
                }
                byte[] line;
                while ((line = readLine(in)) != null) {
                    if (isClosing()) {
                        continue; // lingering: read and drop until the client closes or time is up
                    }
                    if (line == TOO_LONG) {
                        close(1009, "frame too large");
                    } else if (line.length > 0) {
                        deliver(h, line);
                    }
                }
                code = 1000;
                reason = "";
            } catch (IOException e) {
                log.debug("{}: {}", id, e.toString());
            } catch (RuntimeException e) {
                log.error("{}: the handler failed; dropping the connection", id, e);
            } finally {
                synchronized (this) {
                    if (closing) {
                        code = closeCode;
                        reason = closeReason;
                    }
                    closing = true;
                }
                queue.clear();
                queue.add(Signal.STOP);
                drop();
                open.remove(this);
                ConnectionHandler h = handler;
                if (h != null) {
                    try {
                        h.onClosed(code, reason);
                    } catch (RuntimeException e) {
                        log.error("{}: onClosed failed", id, e);
                    }
                }
                ended.complete(null);
            }
        }

        private void deliver(ConnectionHandler h, byte[] line) {
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(line))
                        .toString();
            } catch (CharacterCodingException e) {
                h.onBinary();
                return;
            }
            h.onText(text);
        }

        /**
         * The next line without its {@code \n} (and {@code \r}), {@link #TOO_LONG} for one over
         * the limit (its bytes are skipped), or null at the end of input.
         */
        private byte[] readLine(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            boolean tooLong = false;
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    if (tooLong) {
                        return TOO_LONG;
                    }
                    byte[] bytes = line.toByteArray();
                    int n = bytes.length;
                    byte[] text = n > 0 && bytes[n - 1] == '\r' ? Arrays.copyOf(bytes, n - 1) : bytes;
                    return text.length > maxFrameBytes ? TOO_LONG : text;
                }
                if (!tooLong) {
                    line.write(b);
                    if (line.size() > maxFrameBytes + 1) { // + 1 for a '\r'
                        tooLong = true;
                        line = new ByteArrayOutputStream();
                        if (handler != null) {
                            return TOO_LONG; // answer at once; the rest of the line is lingered away
                        }
                    }
                }
            }
            return line.size() > 0 && !tooLong ? line.toByteArray() : null;
        }

        /** The writer thread: frames and signals in queue order. */
        private void write() {
            try {
                OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
                while (true) {
                    Object item = queue.take();
                    if (item instanceof OutboundFrame frame) {
                        out.write(frame.prepared(LINE, NdjsonTcpTransport::withNewline));
                        queued.addAndGet(-frame.sizeBytes());
                        if (queue.isEmpty()) {
                            out.flush();
                            notifyIfDrained();
                        }
                    } else if (item == Signal.DRAIN) {
                        if (queue.isEmpty()) {
                            out.flush();
                            notifyIfDrained();
                        }
                    } else if (item == Signal.CLOSE) {
                        out.write(closeLine(closeCode, closeReason));
                        out.flush();
                        socket.shutdownOutput();
                        schedule(this::drop, LINGER_MILLIS);
                        return;
                    } else {
                        return; // STOP: the reader has ended
                    }
                }
            } catch (IOException e) {
                log.debug("{}: write failed: {}", id, e.toString());
                drop(); // the reader then ends too and reports the close
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void notifyIfDrained() {
            ConnectionHandler h = handler;
            if (h != null && queued.get() == 0 && drainWanted.compareAndSet(true, false)) {
                try {
                    h.onDrained();
                } catch (RuntimeException e) {
                    log.error("{}: onDrained failed", id, e);
                }
            }
        }

        private synchronized boolean isClosing() {
            return closing;
        }

        private void drop() {
            try {
                socket.close();
            } catch (IOException e) {
                log.debug("{}: close: {}", id, e.toString());
            }
        }
    }

    private void schedule(Runnable task, long delayMillis) {
        try {
            timers.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            task.run(); // the transport has stopped its timers: do it now
        }
    }

    private static byte[] withNewline(OutboundFrame frame) {
        ByteBuffer utf8 = frame.utf8();
        byte[] line = new byte[utf8.remaining() + 1];
        utf8.get(line, 0, line.length - 1);
        line[line.length - 1] = '\n';
        return line;
    }

    private static byte[] closeLine(int code, String reason) {
        Map<String, Object> close = new LinkedHashMap<>();
        close.put("type", "close");
        close.put("code", code);
        close.put("reason", reason);
        try {
            return (JSON.writeValueAsString(close) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            return ("{\"type\":\"close\",\"code\":" + code + "}\n").getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The token of an {@code Authorization: Bearer TOKEN} line, or null. */
    private static @Nullable String bearerToken(byte[] line) {
        String header = new String(line, StandardCharsets.UTF_8).strip();
        int colon = header.indexOf(':');
        if (colon < 0 || !header.substring(0, colon).strip().equalsIgnoreCase("Authorization")) {
            return null;
        }
        String value = header.substring(colon + 1).strip();
        return value.regionMatches(true, 0, "Bearer ", 0, 7) ? value.substring(7).strip() : null;
    }
}
