package dev.parley.chat.transport.websocket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Iterator;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.enums.ReadyState;
import org.java_websocket.framing.CloseFrame;

/**
 * The channel Java-WebSocket reads and writes one socket through (made by {@code
 * WebSocketServerFactory.wrapChannel}).
 *
 * <p>Writes: the selector thread drains {@code WebSocketImpl.outQueue} with {@code
 * SocketChannelIOHelper.batch}, which calls {@link #write} with the head buffer, polls it once it
 * has nothing left, and moves to the next. Here a write of the head gathers the frames the
 * connection queued behind it into one {@code writev}, so one system call carries many small
 * frames; the buffers it finishes ahead of time are then polled by {@code batch} as empty (their
 * {@link #write} returns 0 without a system call). After every write, {@link
 * WsConnection#afterWrite()} settles the byte accounting.
 *
 * <p>Reads: the bytes read before the handshake completes are capped, since Java-WebSocket buffers
 * an incomplete handshake without limit; an over-long handshake fails the read, which makes the
 * selector close the socket.
 */
final class MeteredChannel implements ByteChannel {
    /** At most this many buffers are gathered into one write. */
    private static final int MAX_GATHER_BUFFERS = 64;
    /** Gathering stops after this many bytes: enough for a socket's send buffer. */
    private static final long MAX_GATHER_BYTES = 1 << 20;

    private final SocketChannel delegate;
    private final WebSocketImpl socket;
    private final WsConnection connection;
    private final int maxHandshakeBytes;
    private final LingeringClose lingering;
    private volatile boolean closed;
    private long handshakeBytes;
    /** The buffers of one gathering write; used by the selector thread only. */
    private final ByteBuffer[] batch = new ByteBuffer[MAX_GATHER_BUFFERS];

    MeteredChannel(SocketChannel delegate, WsConnection connection, int maxHandshakeBytes, LingeringClose lingering) {
        this.delegate = delegate;
        this.lingering = lingering;
        this.socket = connection.socket();
        this.connection = connection;
        this.maxHandshakeBytes = maxHandshakeBytes;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int n = delegate.read(dst);
        if (n > 0 && socket.getReadyState() == ReadyState.NOT_YET_CONNECTED) {
            handshakeBytes += n;
            if (handshakeBytes > maxHandshakeBytes) {
                throw new IOException("handshake longer than " + maxHandshakeBytes + " bytes");
            }
        }
        return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!src.hasRemaining()) {
            return 0; // finished by an earlier gathering write
        }
        ByteBuffer first = src;
        ByteBuffer oldest = connection.pending().peek();
        if (oldest != null && oldest != src && oldest.position() > 0) {
            // A frame of ours was gathered ahead of src and is half written (src is a ping or
            // pong queued between our frames): finish it first, or src's bytes would land inside
            // it. src keeps its bytes, so batch returns and the selector comes back for it.
            first = oldest;
        }
        long written;
        int count = gather(first);
        try {
            written = count == 1 ? delegate.write(first) : delegate.write(batch, 0, count);
        } finally {
            Arrays.fill(batch, 0, count, null); // hold no frames past the write
        }
        connection.afterWrite();
        closeRefusedHandshakeWhenFlushed(src);
        return (int) Math.min(written, Integer.MAX_VALUE);
    }

    /**
     * Fills {@link #batch} with {@code head} and, when {@code head} is the oldest of the frames the
     * connection queued, the frames it queued behind it; returns how many.
     *
     * <p>Those come from {@link WsConnection#pending()}, the connection's lock-free record of the
     * same buffers in the same order, rather than from {@code outQueue}, whose iterator takes both
     * of its locks for every element. A buffer the connection did not queue (a ping, a pong) may
     * sit between two of its frames in {@code outQueue}; gathering writes it after them, which
     * only moves a control frame (RFC 6455 §5.5 lets control frames go between data frames), and
     * {@link #write} finishes a half-written frame of ours before it writes such a buffer. The
     * close frame is never among them: nothing is queued after it.
     */
    private int gather(ByteBuffer head) {
        batch[0] = head;
        Iterator<ByteBuffer> queued = connection.pending().iterator();
        if (!queued.hasNext() || queued.next() != head) {
            return 1;
        }
        int count = 1;
        long bytes = head.remaining();
        while (count < MAX_GATHER_BUFFERS && bytes < MAX_GATHER_BYTES && queued.hasNext()) {
            ByteBuffer next = queued.next();
            batch[count++] = next;
            bytes += next.remaining();
        }
        return count;
    }

    /**
     * A refused handshake is answered with an HTTP error and {@code flushAndClose}, but {@code
     * batch} only closes a socket after the flush once it has a draft, which a refused handshake
     * never gets: without this the socket would stay open until the client or the handshake
     * timeout closed it. {@link WsServer#onClosing} covers the refusal that comes after the flush.
     */
    private void closeRefusedHandshakeWhenFlushed(ByteBuffer src) {
        if (src.hasRemaining() || socket.getReadyState() != ReadyState.NOT_YET_CONNECTED) {
            return;
        }
        synchronized (socket) { // flushAndClose sets its flag under this monitor
            if (socket.isFlushAndClose() && socket.outQueue.size() <= 1) {
                socket.closeConnection(CloseFrame.NEVER_CONNECTED, "handshake refused");
            }
        }
    }

    @Override
    public boolean isOpen() {
        return !closed && delegate.isOpen();
    }

    /**
     * Closed for Java-WebSocket at once; the socket itself lingers until the peer has read the
     * close frame (see {@link LingeringClose}).
     */
    @Override
    public void close() {
        closed = true;
        try {
            lingering.closeAfterDraining(delegate);
        } finally {
            connection.channelClosed();
        }
    }
}
