package dev.parley.chat.benchmarks.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
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
 *
 * <p>Several publishers may share a room ({@link #connect}'s {@code index} of {@code streams}):
 * each is its own connection and user and runs on its own thread; the subscribers' backlog is
 * counted over what all of them sent ({@code allSent}). For the broadcast servers, which relay
 * what they get, publisher {@code i} numbers its {@code n}-th message {@code n * streams + i}, so
 * that subscribers can check each publisher's stream apart ({@link Flavor#streams}).
 */
final class Publisher implements AutoCloseable {
    /** Most publishes written with one system call. */
    private static final int MAX_BATCH = 32;

    private final Flavor flavor;
    private final String room;
    private final String user;
    private final int index;
    private final int streams;
    private final int share;
    private final AtomicLong allSent;
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

    private Publisher(Flavor flavor, String room, int index, int streams, int share, AtomicLong allSent,
            int bodyBytes, SocketChannel channel) {
        this.flavor = flavor;
        this.room = room;
        this.user = Flavor.publisherName(index);
        this.index = index;
        this.streams = streams;
        this.share = share;
        this.allSent = allSent;
        this.bodyBytes = bodyBytes;
        this.channel = channel;
        this.reader = new Thread(this::readLoop, "load-publisher-reader");
        reader.setDaemon(true);
    }

    /** Connects the only publisher of a room, logs in and returns once it is a member. */
    static Publisher connect(Flavor flavor, InetSocketAddress address, String path, String room, int bodyBytes)
            throws IOException, InterruptedException {
        return connect(flavor, address, path, room, 0, 1, 1, new AtomicLong(), bodyBytes);
    }

    /**
     * Connects publisher {@code index} of {@code publishers} publishers of the room (user {@link
     * Flavor#publisherName}), logs in and returns once it is a member; {@code allSent} counts what
     * all of them sent; {@code streams} is {@link Flavor#streams} of the publishers.
     */
    static Publisher connect(Flavor flavor, InetSocketAddress address, String path, String room, int index,
            int publishers, int streams, AtomicLong allSent, int bodyBytes) throws IOException, InterruptedException {
        SocketChannel channel = SocketChannel.open(address);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        Publisher p = new Publisher(flavor, room, index, streams, publishers, allSent, bodyBytes, channel);
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
        List<byte[]> login = flavor.login(user, room, -1);
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

    /**
     * The highest seq acknowledged so far: the last one every subscriber must receive (for the
     * broadcast servers, in this publisher's numbering: {@code n * streams + index}).
     */
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

    /** The CPU time of the thread that publishes, in nanoseconds; -1 if unknown or it ended. */
    long writerCpuNanos() {
        Thread w = writer;
        return w == null ? -1 : ManagementFactory.getThreadMXBean().getThreadCpuTime(w.getId());
    }

    /**
     * Publishes until {@code endNanos} or until {@code maxSent} messages were sent in all (0: no
     * limit), at {@code ratePerSecond} counted from {@code startNanos} (0: as fast as the window
     * allows). May be called again to go on (the warm-up, then the measured period). With a rate,
     * each body carries the time the message was due rather than the time it left, so a stall
     * shows up in the latency instead of being hidden by the pause it causes (coordinated omission).
     * {@code subscribers} may be null: no backlog bound (nobody is listening).
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
            long behind = subscribers == null ? 0
                    : (allSent.get() * subscriberCount - subscribers.delivered() + subscriberCount - 1) / subscriberCount;
            // The window is shared: each of several publishers may have its part unacknowledged,
            // and all together at most the window undelivered.
            long allowed = Math.min(MAX_BATCH, Math.min(Math.max(1, window / share) - unacked, window - behind));
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
                long seq = (head + sent + i + 1) * streams + index;
                int len = flavor.writePublish(text, room, user, bodyBytes, seq, sendNanos, millis);
                WireBytes.putMasked(out, WireBytes.OP_TEXT, text, 0, len);
            }
            out.flip();
            synchronized (this) { // a pong from the reader thread must not land inside a frame
                writeFully(out);
            }
            sent += allowed;
            allSent.addAndGet(allowed);
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
                    long seq = WireBytes.numberAfter(a, off, len, WireBytes.SEQ);
                    // A broadcast server relays every publisher's messages to every publisher: only
                    // this publisher's own stream acknowledges its publishes.
                    if (flavor == Flavor.PARLEY || seq % streams == index) {
                        lastSeq = Math.max(lastSeq, seq);
                        acked++;
                    }
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
