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
 * has nothing left, and moves to the next. Here a write of the head gathers the buffers queued
 * behind it into one {@code writev}, so one system call carries many small frames; the buffers it
 * finishes ahead of time are then polled by {@code batch} as empty (their {@link #write} returns 0
 * without a system call). After every write, {@link WsConnection#afterWrite()} settles the byte
 * accounting.
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
    private long handshakeBytes;
    /** The buffers of one gathering write; used by the selector thread only. */
    private final ByteBuffer[] batch = new ByteBuffer[MAX_GATHER_BUFFERS];

    MeteredChannel(SocketChannel delegate, WsConnection connection, int maxHandshakeBytes) {
        this.delegate = delegate;
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
        long written;
        int count = gather(src);
        try {
            written = count == 1 ? delegate.write(src) : delegate.write(batch, 0, count);
        } finally {
            Arrays.fill(batch, 0, count, null); // hold no frames past the write
        }
        connection.afterWrite();
        closeRefusedHandshakeWhenFlushed(src);
        return (int) Math.min(written, Integer.MAX_VALUE);
    }

    /**
     * Fills {@link #batch} with {@code head} and, when {@code head} is first in the queue, the
     * buffers queued behind it; returns how many.
     */
    private int gather(ByteBuffer head) {
        batch[0] = head;
        Iterator<ByteBuffer> queued = socket.outQueue.iterator();
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
        return delegate.isOpen();
    }

    @Override
    public void close() throws IOException {
        try {
            delegate.close();
        } finally {
            connection.channelClosed();
        }
    }
}
