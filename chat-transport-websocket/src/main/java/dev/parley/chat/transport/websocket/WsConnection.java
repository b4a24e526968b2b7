package dev.parley.chat.transport.websocket;

import dev.parley.chat.spi.Connection;
import dev.parley.chat.spi.ConnectionAcceptor;
import dev.parley.chat.spi.ConnectionHandler;
import dev.parley.chat.spi.Handshake;
import dev.parley.chat.spi.OutboundFrame;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.enums.ReadyState;
import org.java_websocket.framing.CloseFrame;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted socket: the engine's {@link Connection}, and the dispatcher of its inbound events to
 * the engine's {@link ConnectionHandler}. Made when the socket is accepted (before the WebSocket
 * handshake) and attached to its {@link WebSocketImpl}.
 *
 * <p><b>Outbound.</b> {@link #send} queues a read-only duplicate of the frame's prepared bytes
 * on {@link WebSocketImpl#outQueue} and, unless the selector already means to write the socket,
 * asks it to ({@code onWriteDemand}), the way {@code WebSocketImpl.write} does. The check that
 * the socket is open and the enqueue happen under the socket's monitor, which {@code
 * WebSocketImpl.close} also holds while it queues the close frame: so no data frame is ever
 * queued after the close frame, and {@code send} returning true means the frame was queued
 * before it.
 *
 * <p><b>Accounting.</b> Each frame we queue is also recorded, in the same order, in {@link
 * #pending}. The selector writes {@code outQueue} front to back through our {@link
 * MeteredChannel}, which gathers the frames to write from {@link #pending} and calls {@link
 * #afterWrite()}: every recorded buffer at the head that has nothing left has been written, and
 * its payload size leaves {@link #queuedBytes}. Buffers we did not queue (handshake, pings,
 * close) are not counted.
 *
 * <p><b>Inbound.</b> Java-WebSocket calls {@code onMessage} on the connection's worker thread, but
 * {@code onClose} on the selector or the lost-connection checker, possibly while {@code onMessage}
 * runs. The handler must see {@code onClosed} once, last and never concurrently with {@code
 * onText}, and we must not hold a lock while calling it (the engine sends and closes from inside
 * {@code onText}, which takes the socket's monitor that {@code onClose} runs under). So each
 * dispatch counts itself in {@link #dispatching}; a close that finds a dispatch in progress leaves
 * the {@code onClosed} call to that dispatch when it ends.
 */
final class WsConnection implements Connection {
    private static final Logger log = LoggerFactory.getLogger(WsConnection.class);
    private static final int MAX_REASON_BYTES = 123;

    private final String id;
    private final WebSocketImpl socket;
    private final WsServerHooks server;
    private final Executor notifier;

    private volatile @Nullable Handshake handshake;
    private volatile @Nullable ConnectionHandler handler;

    private final AtomicLong queued = new AtomicLong();
    /** The frames we queued and the selector has not finished, oldest first (see the class doc). */
    private final ConcurrentLinkedQueue<ByteBuffer> pending = new ConcurrentLinkedQueue<>();
    /** {@link #DRAIN_IDLE}, {@link #DRAIN_REQUESTED} or {@link #DRAIN_SCHEDULED}. */
    private final AtomicInteger drain = new AtomicInteger(DRAIN_IDLE);
    private static final int DRAIN_IDLE = 0;
    private static final int DRAIN_REQUESTED = 1;
    private static final int DRAIN_SCHEDULED = 2;

    private final AtomicInteger dispatching = new AtomicInteger();
    private volatile boolean closeSeen;
    private int closeCode = CloseFrame.ABNORMAL_CLOSE; // written before closeSeen, read after it
    private String closeReason = "";
    private final AtomicBoolean closeDelivered = new AtomicBoolean();
    private volatile int initiatedCode;
    private volatile String initiatedReason = "";
    private final AtomicBoolean handshakeSettled = new AtomicBoolean();

    /** What the connection needs from the server it belongs to. */
    interface WsServerHooks {
        /** Asks the selector to write this socket's queue ({@code WebSocketServer.onWriteDemand}). */
        void writeDemand(WebSocketImpl socket);

        /** The connection's handshake is over, one way or another (called once). */
        void handshakeSettled(WsConnection connection);

        /** The connection's socket is closed (called at least once). */
        void released(WsConnection connection);
    }

    WsConnection(String id, WebSocketImpl socket, WsServerHooks server, Executor notifier) {
        this.id = id;
        this.socket = socket;
        this.server = server;
        this.notifier = notifier;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Handshake handshake() {
        Handshake h = handshake;
        return h != null ? h : new Handshake("unknown", null);
    }

    WebSocketImpl socket() {
        return socket;
    }

    // ---- outbound ------------------------------------------------------------------------------

    @Override
    public boolean send(OutboundFrame frame) {
        ByteBuffer mine = TextFrameEncoder.prepared(frame).duplicate();
        int payloadBytes = frame.sizeBytes();
        synchronized (socket) {
            if (!socket.isOpen() || socket.isFlushAndClose() || closeSeen) {
                return false;
            }
            queued.addAndGet(payloadBytes);
            pending.add(mine);
            socket.outQueue.add(mine);
        }
        if (!writeInterestSet()) {
            try {
                server.writeDemand(socket);
            } catch (RuntimeException e) {
                // The key was cancelled or the selector closed under us: the close that caused it
                // reports the connection closed; the frame is lost like any frame queued at a close.
                log.debug("connection {}: write demand failed", id, e);
            }
        }
        return true;
    }

    /**
     * Whether the selector already means to write this socket. Then it will write the frame just
     * queued too, and asking again ({@code interestOps} and a selector wake-up, a monitor and often
     * a system call) is wasted. Whoever set the interest woke the selector after setting it. This
     * read is no weaker than the write it saves: the selector clears the interest only after it
     * found the queue empty, and a frame queued before the read is in the queue then; a frame
     * queued between its last look and the clearing is the case {@code WsServer} sweeps for
     * either way.
     */
    private boolean writeInterestSet() {
        try {
            SelectionKey key = socket.getSelectionKey();
            return key != null && (key.interestOps() & SelectionKey.OP_WRITE) != 0;
        } catch (CancelledKeyException e) {
            return false; // let writeDemand meet the cancelled key as before
        }
    }

    @Override
    public long queuedBytes() {
        // Once closed, nothing more will be written: report no backlog (the selector may still be
        // settling the count of its last write).
        return closeSeen ? 0 : queued.get();
    }

    @Override
    public void requestDrainNotice() {
        if (closeSeen || !drain.compareAndSet(DRAIN_IDLE, DRAIN_REQUESTED)) {
            return; // closed, or a notice is already on its way: it answers this request too
        }
        // The request is visible before the count is read; afterWrite lowers the count before it
        // reads the request. Whichever runs second sees the other's change, so no notice is lost.
        if (queued.get() == 0 && drain.compareAndSet(DRAIN_REQUESTED, DRAIN_SCHEDULED)) {
            try {
                // Not on the caller's thread: the engine asks from its own code, which should not
                // be re-entered.
                notifier.execute(this::notifyDrained);
            } catch (RejectedExecutionException e) {
                log.debug("connection {}: drain notice after transport close dropped", id);
            }
        }
    }

    @Override
    public void close(int code, String reason) {
        // WebSocketImpl.close queues the close frame behind what is already queued and closes the
        // socket once the selector has written everything (SocketChannelIOHelper.batch).
        socket.close(code, truncate(reason));
    }

    /**
     * The frames we queued that the selector has not finished, oldest first: the same buffers, in
     * the same order, as in {@code outQueue} (which also holds buffers we did not queue). Iterating
     * it takes no lock, unlike {@code outQueue}'s iterator. For {@link MeteredChannel} only.
     */
    ConcurrentLinkedQueue<ByteBuffer> pending() {
        return pending;
    }

    /** Called on the selector thread by {@link MeteredChannel} after each write to the socket. */
    void afterWrite() {
        long written = 0;
        ByteBuffer head;
        while ((head = pending.peek()) != null && !head.hasRemaining()) {
            pending.poll();
            written += TextFrameEncoder.payloadBytes(head.limit());
        }
        if (written == 0) {
            return;
        }
        long left = queued.addAndGet(-written);
        if (left == 0 && drain.get() == DRAIN_REQUESTED && drain.compareAndSet(DRAIN_REQUESTED, DRAIN_SCHEDULED)) {
            notifyDrained();
        }
    }

    private void notifyDrained() {
        // Idle again before the call, so that onDrained may itself ask for the next notice.
        drain.set(DRAIN_IDLE);
        ConnectionHandler h = handler;
        if (h == null || closeSeen) {
            return;
        }
        try {
            h.onDrained();
        } catch (RuntimeException e) {
            log.warn("connection {}: onDrained threw", id, e);
        }
    }

    // ---- lifecycle and inbound -----------------------------------------------------------------

    /** The handshake succeeded: hands the connection to the engine. Runs on the worker thread. */
    void opened(Handshake openedWith, ConnectionAcceptor acceptor) {
        handshake = openedWith;
        settleHandshake();
        dispatching.incrementAndGet();
        try {
            if (!closeSeen && socket.isOpen()) {
                ConnectionHandler h = acceptor.accept(this);
                if (h == null) {
                    log.warn("connection {}: the acceptor returned no handler; closing", id);
                    close(CloseFrame.UNEXPECTED_CONDITION, "internal error");
                } else {
                    handler = h;
                }
            }
        } catch (RuntimeException e) {
            log.warn("connection {}: the acceptor threw; closing", id, e);
            close(CloseFrame.UNEXPECTED_CONDITION, "internal error");
        } finally {
            exitDispatch();
        }
    }

    void text(String text) {
        ConnectionHandler h = enterDispatch();
        if (h == null) {
            return;
        }
        try {
            // Any inbound frame is a sign of life (PROTOCOL §9), not only a pong.
            socket.updateLastPong();
            h.onText(text);
        } catch (RuntimeException e) {
            log.warn("connection {}: onText threw", id, e);
        } finally {
            exitDispatch();
        }
    }

    void binary() {
        ConnectionHandler h = enterDispatch();
        if (h == null) {
            return;
        }
        try {
            socket.updateLastPong();
            h.onBinary();
        } catch (RuntimeException e) {
            log.warn("connection {}: onBinary threw", id, e);
        } finally {
            exitDispatch();
        }
    }

    /**
     * This side started a close handshake with {@code code} (our {@link #close}, a shutdown, or
     * Java-WebSocket refusing a frame with 1007 or 1009).
     */
    void closeInitiated(int code, String reason) {
        if (initiatedCode == 0) {
            initiatedReason = reason == null ? "" : reason;
            initiatedCode = code;
        }
    }

    /** The WebSocket connection is closed (Java-WebSocket's {@code onClose}); any thread. */
    void closed(int code, String reason) {
        // Once this side has sent its close frame, the engine wants the code it closed with.
        // Java-WebSocket may report the peer's answering code instead (read before the selector
        // closed the socket) or 1006 (the peer dropped the socket right after the close frame).
        int initiated = initiatedCode;
        if (initiated != 0) {
            code = initiated;
            reason = initiatedReason;
        }
        synchronized (this) {
            if (closeSeen) {
                return;
            }
            closeCode = code;
            closeReason = reason == null ? "" : reason;
            closeSeen = true;
        }
        // What is still queued will never be written; the engine must not wait for it.
        pending.clear();
        queued.set(0);
        if (dispatching.get() == 0) {
            deliverClosed();
        }
    }

    /** The socket's channel was closed; for sockets that never opened this is the only notice. */
    void channelClosed() {
        settleHandshake();
        server.released(this);
    }

    /**
     * Closes the socket at once, without waiting for a close handshake: a handshake that ran out
     * of time, or what is left when the transport shuts down.
     */
    void forceClose(int code, String reason) {
        socket.closeConnection(code, reason);
        // Normally closeConnection reported the close through onClose already; this covers a
        // socket that Java-WebSocket no longer listed. closed() is idempotent.
        closed(code, reason);
    }

    boolean isHandshakePending() {
        return socket.getReadyState() == ReadyState.NOT_YET_CONNECTED;
    }

    private void settleHandshake() {
        if (handshakeSettled.compareAndSet(false, true)) {
            server.handshakeSettled(this);
        }
    }

    private @Nullable ConnectionHandler enterDispatch() {
        dispatching.incrementAndGet();
        ConnectionHandler h = handler;
        if (h == null || closeSeen) {
            exitDispatch();
            return null;
        }
        return h;
    }

    private void exitDispatch() {
        if (dispatching.decrementAndGet() == 0 && closeSeen) {
            deliverClosed();
        }
    }

    private void deliverClosed() {
        ConnectionHandler h = handler;
        // No handler: the engine never got this connection (closed during or before accept).
        if (h == null || !closeDelivered.compareAndSet(false, true)) {
            return;
        }
        int code;
        String reason;
        synchronized (this) {
            code = closeCode;
            reason = closeReason;
        }
        try {
            h.onClosed(code, reason);
        } catch (RuntimeException e) {
            log.warn("connection {}: onClosed threw", id, e);
        }
    }

    /** A close reason must fit a control frame (125 bytes with the code). */
    static String truncate(@Nullable String reason) {
        if (reason == null) {
            return "";
        }
        byte[] utf8 = reason.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= MAX_REASON_BYTES) {
            return reason;
        }
        // Every char is at least one byte, so the answer is at most MAX_REASON_BYTES chars long.
        int end = Math.min(reason.length(), MAX_REASON_BYTES);
        if (end < reason.length() && Character.isLowSurrogate(reason.charAt(end))) {
            end--;
        }
        while (end > 0 && reason.substring(0, end).getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
            end--;
            if (end > 0 && Character.isLowSurrogate(reason.charAt(end))) {
                end--;
            }
        }
        return reason.substring(0, end);
    }

    @Override
    public String toString() {
        return id;
    }
}
