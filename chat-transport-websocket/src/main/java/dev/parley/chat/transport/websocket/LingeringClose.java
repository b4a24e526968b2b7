package dev.parley.chat.transport.websocket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes sockets the way HTTP servers call a lingering close: shut the output down (a FIN after
 * the close frame), read and discard what the peer still sends until it closes, a deadline passes
 * or a byte budget is spent, and only then close the socket.
 *
 * <p>Why: Java-WebSocket closes the channel as soon as its close frame is written. If the peer is
 * still sending (a frame over the limit, a flood of commands), unread input is then in the
 * kernel, and closing a socket with unread input makes Linux answer with RST instead of FIN. The
 * peer's write fails with "connection reset", and most clients report 1006 without ever reading
 * the close frame that sat in their receive buffer (PROTOCOL §7: a close the server starts must
 * reach the client with its code).
 *
 * <p><b>Thread safety.</b> {@link #closeAfterDraining} may be called from any thread; one daemon
 * thread of its own reads the lingering sockets.
 *
 * <p><b>Lifecycle.</b> Its thread starts on the first socket and runs until {@link #close}, which
 * waits for the lingering sockets up to their deadline and then closes what is left.
 */
final class LingeringClose implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LingeringClose.class);
    /** How long a socket may linger after its close frame (PROTOCOL §7). */
    static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** What a lingering peer may still send before it is cut off: a few frames at the limit and more. */
    static final long MAX_DISCARDED_BYTES = 16L << 20;

    private final String threadName;
    private final Queue<SocketChannel> arriving = new ConcurrentLinkedQueue<>();
    private final ByteBuffer discard = ByteBuffer.allocateDirect(64 * 1024);
    private final Object lifecycle = new Object();
    private Selector selector; // guarded by lifecycle until the thread starts; then the thread's
    private Thread thread; // guarded by lifecycle
    private boolean closed; // guarded by lifecycle

    LingeringClose(String threadName) {
        this.threadName = threadName;
    }

    /**
     * Shuts the socket's output down and closes it once the peer has closed its side, at most
     * {@link #LINGER_NANOS} later. Never throws; a socket that cannot linger is closed at once.
     */
    void closeAfterDraining(SocketChannel channel) {
        if (!channel.isOpen()) {
            return;
        }
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(channel); // already reset or not connected: nothing to linger for
            return;
        }
        synchronized (lifecycle) {
            if (closed || !startIfNeeded()) {
                closeQuietly(channel);
                return;
            }
            arriving.add(channel);
            selector.wakeup();
        }
    }

    private boolean startIfNeeded() {
        if (thread != null) {
            return true;
        }
        try {
            selector = Selector.open();
        } catch (IOException e) {
            log.warn("cannot open a selector for lingering closes; sockets close at once: {}", e.toString());
            return false;
        }
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
        return true;
    }

    /** Waits for the lingering sockets (each up to its deadline), then closes what is left. */
    @Override
    public void close() {
        Thread t;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            t = thread;
            if (t == null) {
                return;
            }
            selector.wakeup();
        }
        try {
            t.join(TimeUnit.NANOSECONDS.toMillis(LINGER_NANOS) + 1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            t.interrupt();
        }
    }

    private void run() {
        Selector sel = selector;
        try {
            while (true) {
                register(sel);
                boolean stopping;
                synchronized (lifecycle) {
                    stopping = closed;
                }
                if (stopping && sel.keys().isEmpty() && arriving.isEmpty()) {
                    return;
                }
                sel.select(100);
                Iterator<SelectionKey> ready = sel.selectedKeys().iterator();
                while (ready.hasNext()) {
                    SelectionKey key = ready.next();
                    ready.remove();
                    if (key.isValid() && key.isReadable()) {
                        drain(key);
                    }
                }
                long now = System.nanoTime();
                for (SelectionKey key : sel.keys()) {
                    Lingering l = (Lingering) key.attachment();
                    if (key.isValid() && now - l.deadline > 0) {
                        log.debug("peer {} neither closed nor stopped sending within the linger time", l);
                        finish(key);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("lingering closes stopped: {}", e.toString());
        } finally {
            for (SelectionKey key : sel.keys()) {
                closeQuietly((SocketChannel) key.channel());
            }
            SocketChannel left;
            while ((left = arriving.poll()) != null) {
                closeQuietly(left);
            }
            try {
                sel.close();
            } catch (IOException e) {
                log.debug("closing the linger selector failed", e);
            }
        }
    }

    private void register(Selector sel) {
        SocketChannel channel;
        while ((channel = arriving.poll()) != null) {
            try {
                // The channel is non-blocking already: Java-WebSocket's selector had it.
                channel.register(sel, SelectionKey.OP_READ, new Lingering(System.nanoTime() + LINGER_NANOS));
            } catch (ClosedChannelException | RuntimeException e) {
                closeQuietly(channel);
            }
        }
    }

    private void drain(SelectionKey key) {
        SocketChannel channel = (SocketChannel) key.channel();
        Lingering l = (Lingering) key.attachment();
        try {
            while (true) {
                discard.clear();
                int n = channel.read(discard);
                if (n < 0) {
                    finish(key); // the peer closed its side: the close frame has reached it
                    return;
                }
                if (n == 0) {
                    return;
                }
                l.discarded += n;
                if (l.discarded > MAX_DISCARDED_BYTES) {
                    log.debug("peer sent over {} bytes after its close; cutting it off", MAX_DISCARDED_BYTES);
                    finish(key);
                    return;
                }
            }
        } catch (IOException e) {
            finish(key); // reset by the peer
        }
    }

    private static void finish(SelectionKey key) {
        key.cancel();
        closeQuietly((SocketChannel) key.channel());
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing a socket failed", e);
        }
    }

    /** One lingering socket's deadline and what it has sent since its close. */
    private static final class Lingering {
        final long deadline;
        long discarded;

        Lingering(long deadline) {
            this.deadline = deadline;
        }
    }
}
