package dev.parley.chat.benchmarks.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The one publishing connection: a blocking socket written by the caller's thread and read by a
 * thread of its own, which counts acknowledgements.
 *
 * <p>The publisher pipelines within a window of {@code window} messages: it sends while fewer than
 * that are unacknowledged and while the subscribers together are less than {@code window}
 * messages' worth of deliveries behind. The second bound matters because neither server's
 * acknowledgement waits for the fan-out (the raw server's, its own copy of the broadcast, does not
 * even come last); without it the publisher could run ahead of the subscribers and the run would
 * measure a growing queue, not a steady state. Publishes that the window allows at once are
 * written with one system call.
 */
final class Publisher implements AutoCloseable {
    /** Most publishes written with one system call. */
    private static final int MAX_BATCH = 32;

    private final Flavor flavor;
    private final String room;
    private final int bodyBytes;
    private final SocketChannel channel;
    private final Thread reader;
    private volatile Thread writer;
    private volatile long acked;
    private volatile long lastSeq;
    private volatile long head = -1;
    private volatile String problem;
    /** Bytes read with the handshake response; handed to the reader thread when it starts. */
    private ByteBuffer leftover;
    /** Written by the caller's thread only. */
    private long sent;

    private Publisher(Flavor flavor, String room, int bodyBytes, SocketChannel channel) {
        this.flavor = flavor;
        this.room = room;
        this.bodyBytes = bodyBytes;
        this.channel = channel;
        this.reader = new Thread(this::readLoop, "load-publisher-reader");
        reader.setDaemon(true);
    }

    /** Connects, logs in and returns once the publisher is a member of the room. */
    static Publisher connect(Flavor flavor, InetSocketAddress address, String path, String room, int bodyBytes)
            throws IOException, InterruptedException {
        SocketChannel channel = SocketChannel.open(address);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        Publisher p = new Publisher(flavor, room, bodyBytes, channel);
        try {
            p.handshake(address, path);
            return p;
        } catch (IOException | InterruptedException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private void handshake(InetSocketAddress address, String path) throws IOException, InterruptedException {
        writeFully(ByteBuffer.wrap(WireBytes.upgradeRequest(address.getHostString(), address.getPort(), path)));
        ByteBuffer in = ByteBuffer.allocate(8 * 1024);
        int end;
        while ((end = WireBytes.headerEnd(in.array(), 0, in.position())) < 0) {
            if (!in.hasRemaining() || channel.read(in) < 0) {
                throw new IOException("no WebSocket handshake response");
            }
        }
        if (!WireBytes.switchingProtocols(in.array(), 0, end)) {
            throw new IOException("handshake refused: "
                    + new String(in.array(), 0, Math.min(end, 80), StandardCharsets.US_ASCII).trim());
        }
        in.flip().position(end);
        leftover = in;
        List<byte[]> login = flavor.login(Flavor.PUBLISHER, room);
        for (byte[] f : login) {
            ByteBuffer frame = ByteBuffer.allocate(WireBytes.maskedSize(f.length));
            WireBytes.putMasked(frame, WireBytes.OP_TEXT, f, 0, f.length);
            writeFully(frame.flip());
        }
        if (login.isEmpty()) {
            head = 0;
        }
        reader.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (head < 0) {
            if (problem != null) {
                throw new IOException("publisher: " + problem);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("publisher: no joined reply within 30 s");
            }
            Thread.sleep(5);
        }
    }

    /** The room's seq when the publisher joined (0 for the raw server, which numbers from 1). */
    long head() {
        return head;
    }

    long sent() {
        return sent;
    }

    long acked() {
        return acked;
    }

    /** The highest seq acknowledged so far: the last one every subscriber must receive. */
    long lastSeq() {
        return lastSeq;
    }

    String problem() {
        return problem;
    }

    /** The CPU time of the publisher's reader thread, in nanoseconds (the writer is the caller's). */
    long readerCpuNanos() {
        return ManagementFactory.getThreadMXBean().getThreadCpuTime(reader.getId());
    }

    /**
     * Publishes until {@code endNanos} or until {@code maxSent} messages were sent in all (0: no
     * limit), at {@code ratePerSecond} counted from {@code startNanos} (0: as fast as the window
     * allows). May be called again to go on (the warm-up, then the measured period). With a rate,
     * each body carries the time the message was due rather than the time it left, so a stall
     * shows up in the latency instead of being hidden by the pause it causes (coordinated omission).
     */
    void publish(long endNanos, long maxSent, long ratePerSecond, int window, Subscribers subscribers,
            int subscriberCount, long startNanos) throws IOException {
        writer = Thread.currentThread();
        int frameMax = flavor.maxPublishBytes(room, bodyBytes);
        byte[] text = new byte[frameMax];
        ByteBuffer out = ByteBuffer.allocate(MAX_BATCH * WireBytes.maskedSize(frameMax));
        while (problem == null) {
            long now = System.nanoTime();
            if (now >= endNanos || (maxSent > 0 && sent >= maxSent)) {
                return;
            }
            long unacked = sent - acked;
            // Deliveries still owed to the subscribers, in messages (rounded up).
            long behind = (sent * subscriberCount - subscribers.delivered() + subscriberCount - 1) / subscriberCount;
            long allowed = Math.min(MAX_BATCH, window - Math.max(unacked, behind));
            long due = Long.MAX_VALUE;
            if (ratePerSecond > 0) {
                due = (now - startNanos) * ratePerSecond / 1_000_000_000L + 1 - sent;
                allowed = Math.min(allowed, due);
            }
            if (maxSent > 0) {
                allowed = Math.min(allowed, maxSent - sent);
            }
            if (allowed <= 0) {
                // Nothing due yet: sleep until the next message is due, not a whole period from now
                // (that would send it late). Otherwise wait for an ack (the reader unparks us) or
                // for the subscribers; never spin on 2 cores.
                long pause = due <= 0
                        ? startNanos + sent * 1_000_000_000L / ratePerSecond - now
                        : 50_000;
                LockSupport.parkNanos(Math.max(1_000, pause));
                continue;
            }
            long millis = System.currentTimeMillis();
            out.clear();
            for (int i = 0; i < allowed; i++) {
                long sendNanos = ratePerSecond > 0 ? startNanos + (sent + i) * 1_000_000_000L / ratePerSecond : now;
                int len = flavor.writePublish(text, room, bodyBytes, head + sent + i + 1, sendNanos, millis);
                WireBytes.putMasked(out, WireBytes.OP_TEXT, text, 0, len);
            }
            out.flip();
            synchronized (this) { // a pong from the reader thread must not land inside a frame
                writeFully(out);
            }
            sent += allowed;
        }
        throw new IOException("publisher: " + problem);
    }

    /** Waits until every publish sent was acknowledged, or the timeout passed; returns whether. */
    boolean awaitAcks(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (acked < sent && problem == null && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        return acked >= sent;
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    private void readLoop() {
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        in.put(leftover);
        byte[] ackPrefix = flavor.ackPrefix();
        WireBytes.FrameSink sink = (opcode, a, off, len) -> {
            if (opcode == WireBytes.OP_TEXT) {
                if (WireBytes.startsWith(a, off, len, ackPrefix)) {
                    lastSeq = Math.max(lastSeq, WireBytes.numberAfter(a, off, len, WireBytes.SEQ));
                    acked++;
                } else if (head < 0 && WireBytes.startsWith(a, off, len, WireBytes.JOINED)) {
                    long h = WireBytes.numberAfter(a, off, len, WireBytes.SEQ);
                    lastSeq = h;
                    head = h;
                } else if (WireBytes.startsWith(a, off, len, WireBytes.ERROR)) {
                    problem = new String(a, off, Math.min(len, 200), StandardCharsets.UTF_8);
                }
            } else if (opcode == WireBytes.OP_PING) {
                ByteBuffer pong = ByteBuffer.allocate(WireBytes.maskedSize(len));
                WireBytes.putMasked(pong, WireBytes.OP_PONG, a, off, len);
                synchronized (this) {
                    writeFully(pong.flip());
                }
            } else if (opcode == WireBytes.OP_CLOSE) {
                problem = "the server closed the connection";
            }
        };
        try {
            while (true) {
                in.flip();
                long before = acked;
                int need = WireBytes.drainFrames(in, sink);
                in = WireBytes.compact(in, need);
                Thread w = writer;
                if (w != null && acked != before) {
                    LockSupport.unpark(w);
                }
                if (channel.read(in) < 0) {
                    if (problem == null) {
                        problem = "the server closed the socket";
                    }
                    return;
                }
            }
        } catch (IOException e) {
            if (channel.isOpen() && problem == null) {
                problem = e.toString();
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
