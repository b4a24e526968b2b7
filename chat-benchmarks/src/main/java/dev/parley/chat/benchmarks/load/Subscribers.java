package dev.parley.chat.benchmarks.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.HdrHistogram.Histogram;

/**
 * N subscribers of one room (or of several, or of none), each its own WebSocket connection, served by a few selector threads
 * of this class (one by default) instead of a thread per connection, so that on a 2-core machine
 * the client takes as little CPU from the server as a loopback client can.
 *
 * <p>Each subscriber checks its own stream: seq must go up by one from the room's head at join
 * (1 for the raw server). A seq above the next expected one opens a gap (its seqs are remembered);
 * a seq below it is a reorder if it fills a gap and a duplicate otherwise; at the end, every gap
 * still open and every published seq past the last one received is lost. With several streams
 * (several publishers of a broadcast server, {@link Flavor#streams}), each is checked apart.
 *
 * <p>A subscriber given a {@code since} resumes ({@code join} with {@code since}): its check starts
 * at {@code since + 1}, the messages of the {@code joined} reply are checked as deliveries (without
 * a latency), and a reply that is not {@code recovered} counts as an error. Without a room, a
 * subscriber only logs in (an idle connection) and is ready once welcomed.
 *
 * <p>Threads: {@link #start} and the getters run on the caller's thread; the selector threads own
 * the connections. Counts cross over through volatile fields, histograms after {@link #stop} joined
 * the threads.
 */
final class Subscribers {
    /** Connections a selector thread has connecting or logging in at once: the server's accept backlog is small. */
    private static final int MAX_OPENING_PER_THREAD = 32;
    /** Latencies above this (60 s) are recorded as this. */
    private static final long MAX_LATENCY_NANOS = 60_000_000_000L;

    private final Flavor flavor;
    private final InetSocketAddress address;
    private final String path;
    private final int streams;
    private final int maxOpeningPerThread;
    private final List<Loop> loops = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final int count;
    /** Deliveries received at or after this time, and before {@link #measureTo}, are measured. */
    private volatile long measureFrom = Long.MAX_VALUE;
    private volatile long measureTo = Long.MAX_VALUE;

    Subscribers(Flavor flavor, InetSocketAddress address, String path, String room, int count, int threads) {
        this(flavor, address, path, java.util.Collections.singletonList(room), -1, 1, count, threads,
                MAX_OPENING_PER_THREAD);
    }

    /**
     * {@code count} subscribers; subscriber {@code i} is user {@code s<i>} and joins {@code rooms[i %
     * rooms.size()]} (a null room: none, an idle connection), resuming after {@code since} when that
     * is at least 0; each checks {@code streams} seq streams. Each selector thread has at most
     * {@code maxOpeningPerThread} connections opening at once.
     */
    Subscribers(Flavor flavor, InetSocketAddress address, String path, List<String> rooms, long since, int streams,
            int count, int threads, int maxOpeningPerThread) {
        this.flavor = flavor;
        this.address = address;
        this.path = path;
        this.streams = streams;
        this.count = count;
        this.maxOpeningPerThread = maxOpeningPerThread;
        for (int t = 0; t < threads; t++) {
            loops.add(new Loop());
        }
        for (int i = 0; i < count; i++) {
            loops.get(i % threads).waiting.add(new Sub("s" + i, rooms.get(i % rooms.size()), since));
        }
    }

    /** Opens every connection and logs it in; returns once all are members of the room. */
    void start(Duration timeout) throws IOException, InterruptedException {
        for (int t = 0; t < loops.size(); t++) {
            Loop loop = loops.get(t);
            loop.selector = Selector.open();
            Thread thread = new Thread(loop, "load-subscribers-" + t);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ready() < count) {
            for (Loop loop : loops) {
                if (loop.failure != null) {
                    throw new IOException("a subscriber failed while connecting: " + loop.failure);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("only " + ready() + " of " + count + " subscribers joined within " + timeout);
            }
            Thread.sleep(10);
        }
    }

    /** The {@link System#nanoTime()} when the last subscriber so far became ready (0: none yet). */
    long lastReadyNanos() {
        long last = 0;
        for (Loop loop : loops) {
            last = Math.max(last, loop.lastReady);
        }
        return last;
    }

    int ready() {
        int n = 0;
        for (Loop loop : loops) {
            n += loop.ready;
        }
        return n;
    }

    /** Deliveries received between these two {@link System#nanoTime()} values are measured. */
    void measureBetween(long fromNanos, long toNanos) {
        measureFrom = fromNanos;
        measureTo = toNanos;
    }

    /** Message pushes received so far by all subscribers (warm-up included). */
    long delivered() {
        long n = 0;
        for (Loop loop : loops) {
            n += loop.delivered;
        }
        return n;
    }

    /** The CPU time of the selector threads so far, in nanoseconds, or -1 if unknown. */
    long cpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : threads) {
            long ns = mx.getThreadCpuTime(t.getId());
            if (ns < 0) {
                return -1;
            }
            sum += ns;
        }
        return sum;
    }

    /** Stops the threads, closes the connections and returns what they saw. */
    Result stop(long lastSeq) throws InterruptedException {
        long[] last = new long[streams];
        java.util.Arrays.fill(last, lastSeq);
        return stop(last);
    }

    /**
     * Stops the threads, closes the connections and returns what they saw; {@code lastSeq[s]} is
     * the last number of stream {@code s} every subscriber must have received.
     */
    Result stop(long[] lastSeq) throws InterruptedException {
        for (Loop loop : loops) {
            loop.running = false;
            if (loop.selector != null) {
                loop.selector.wakeup();
            }
        }
        for (Thread t : threads) {
            t.join(5_000);
        }
        Histogram latency = new Histogram(MAX_LATENCY_NANOS, 3);
        long measured = 0;
        long lost = 0;
        long duplicates = 0;
        long reordered = 0;
        long errors = 0;
        int closed = 0;
        int frameBytes = 0;
        String firstProblem = null;
        for (Loop loop : loops) {
            latency.add(loop.latency);
            measured += loop.measured;
            for (Sub s : loop.all) {
                lost += s.lost(lastSeq);
                duplicates += s.duplicates;
                reordered += s.reordered;
                errors += s.errors;
                frameBytes = Math.max(frameBytes, s.frameBytes);
                if (s.closedEarly) {
                    closed++;
                }
                if (firstProblem == null && s.problem != null) {
                    firstProblem = s.name + ": " + s.problem;
                }
                s.closeQuietly();
            }
            try {
                if (loop.selector != null) {
                    loop.selector.close();
                }
            } catch (IOException e) {
                // nothing left to release
            }
        }
        return new Result(measured, latency, lost, duplicates, reordered, errors, closed, frameBytes, firstProblem);
    }

    /** What the subscribers saw; {@code measured} counts deliveries inside the measurement window. */
    record Result(long measured, Histogram latency, long lost, long duplicates, long reordered, long errors,
            int closedEarly, int frameBytes, String firstProblem) {}

    /** One selector thread and the subscribers it serves. */
    private final class Loop implements Runnable {
        Selector selector;
        final ArrayDeque<Sub> waiting = new ArrayDeque<>();
        final List<Sub> all = new ArrayList<>();
        final Histogram latency = new Histogram(MAX_LATENCY_NANOS, 3);
        /** Written by this thread only; read by the publisher for its window. */
        volatile long delivered;
        volatile int ready;
        volatile long lastReady;
        volatile String failure;
        volatile boolean running = true;
        int opening;
        long measured;
        /** Set per read call, so that a batch of frames is timed once. */
        long now;
        long from;
        long to;
        long pendingDeliveries;

        @Override
        public void run() {
            try {
                while (running) {
                    openMore();
                    selector.select(100);
                    now = System.nanoTime();
                    from = measureFrom;
                    to = measureTo;
                    for (SelectionKey key : selector.selectedKeys()) {
                        Sub s = (Sub) key.attachment();
                        try {
                            s.ready(key);
                        } catch (IOException e) {
                            s.failed(e);
                        }
                    }
                    selector.selectedKeys().clear();
                    if (pendingDeliveries > 0) {
                        // One volatile write per select round rather than per message.
                        delivered += pendingDeliveries;
                        pendingDeliveries = 0;
                    }
                }
            } catch (IOException | RuntimeException e) {
                failure = e.toString();
            }
        }

        private void openMore() throws IOException {
            while (opening < maxOpeningPerThread && !waiting.isEmpty()) {
                Sub s = waiting.poll();
                all.add(s);
                s.open(this);
                opening++;
            }
        }

        void loggedIn() {
            opening--;
            ready++;
            lastReady = System.nanoTime();
        }

        void delivered(long sendNanos) {
            pendingDeliveries++;
            if (now >= from && now < to) {
                measured++;
                if (sendNanos > 0) {
                    latency.recordValue(Math.min(MAX_LATENCY_NANOS, Math.max(0, now - sendNanos)));
                }
            }
        }
    }

    /** One subscriber connection and the checks of its stream. */
    private final class Sub implements WireBytes.FrameSink {
        final String name;
        final String room;
        final long since;
        Loop loop;
        SocketChannel channel;
        SelectionKey key;
        ByteBuffer in = ByteBuffer.allocate(8 * 1024);
        ByteBuffer out;
        boolean upgraded;
        boolean member;
        boolean closedEarly;
        String problem;
        /** Per stream: the next number expected, and the numbers skipped and not yet seen. */
        final long[] next = new long[streams];
        final TreeSet<Long>[] gaps;
        long duplicates;
        long reordered;
        long errors;
        int frameBytes;

        @SuppressWarnings("unchecked")
        Sub(String name, String room, long since) {
            this.name = name;
            this.room = room;
            this.since = since;
            this.gaps = new TreeSet[streams];
            java.util.Arrays.fill(next, 1);
        }

        void open(Loop owner) throws IOException {
            loop = owner;
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            key = channel.register(loop.selector, SelectionKey.OP_CONNECT, this);
            if (channel.connect(address)) {
                connected();
            }
        }

        void ready(SelectionKey k) throws IOException {
            if (!k.isValid()) {
                return;
            }
            if (k.isConnectable() && channel.finishConnect()) {
                connected();
            }
            if (k.isValid() && k.isWritable()) {
                flush();
            }
            if (k.isValid() && k.isReadable()) {
                read();
            }
        }

        private void connected() throws IOException {
            key.interestOps(SelectionKey.OP_READ);
            send(ByteBuffer.wrap(WireBytes.upgradeRequest(address.getHostString(), address.getPort(), path)));
        }

        private void read() throws IOException {
            int n = channel.read(in);
            if (n < 0) {
                closed("the server closed the socket");
                return;
            }
            in.flip();
            if (!upgraded) {
                byte[] a = in.array();
                int end = WireBytes.headerEnd(a, 0, in.limit());
                if (end < 0) {
                    if (in.limit() == in.capacity()) {
                        throw new IOException("handshake response too long");
                    }
                    in.position(in.limit());
                    in.limit(in.capacity());
                    return;
                }
                if (!WireBytes.switchingProtocols(a, 0, end)) {
                    throw new IOException("handshake refused: "
                            + new String(a, 0, Math.min(end, 80), StandardCharsets.US_ASCII).trim());
                }
                upgraded = true;
                in.position(end);
                List<byte[]> login = flavor.login(name, room, since);
                if (login.isEmpty()) {
                    member = true;
                    loop.loggedIn();
                } else {
                    int size = 0;
                    for (byte[] f : login) {
                        size += WireBytes.maskedSize(f.length);
                    }
                    ByteBuffer frames = ByteBuffer.allocate(size);
                    for (byte[] f : login) {
                        WireBytes.putMasked(frames, WireBytes.OP_TEXT, f, 0, f.length);
                    }
                    frames.flip();
                    send(frames);
                }
            }
            int need = WireBytes.drainFrames(in, this);
            in = WireBytes.compact(in, need);
        }

        @Override
        public void onFrame(int opcode, byte[] a, int off, int len) throws IOException {
            if (opcode == WireBytes.OP_TEXT) {
                if (WireBytes.startsWith(a, off, len, WireBytes.MESSAGE)) {
                    message(a, off, len);
                } else if (!member && WireBytes.startsWith(a, off, len, WireBytes.JOINED)) {
                    joined(a, off, len);
                } else if (!member && room == null && WireBytes.startsWith(a, off, len, WireBytes.WELCOME)) {
                    member = true; // an idle connection: logged in, no room
                    loop.loggedIn();
                } else if (WireBytes.startsWith(a, off, len, WireBytes.ERROR)) {
                    errors++;
                    if (problem == null) {
                        problem = new String(a, off, Math.min(len, 200), StandardCharsets.UTF_8);
                    }
                }
            } else if (opcode == WireBytes.OP_PING) {
                ByteBuffer pong = ByteBuffer.allocate(WireBytes.maskedSize(len));
                WireBytes.putMasked(pong, WireBytes.OP_PONG, a, off, len);
                pong.flip();
                send(pong);
            } else if (opcode == WireBytes.OP_CLOSE) {
                int code = len >= 2 ? ((a[off] & 0xFF) << 8) | (a[off + 1] & 0xFF) : 1005;
                closed("close frame " + code);
            }
        }

        private void joined(byte[] a, int off, int len) {
            // The joined reply's first seq field is the room's head: live messages follow it.
            long head = WireBytes.numberAfter(a, off, len, WireBytes.SEQ);
            if (since < 0) {
                next[0] = head + 1;
            } else {
                // A resume: the reply's messages are the first deliveries, checked like live ones.
                next[0] = since + 1;
                int end = off + len;
                int p = WireBytes.after(a, off, end, WireBytes.MESSAGES);
                while (p > 0) {
                    p = WireBytes.after(a, p, end, WireBytes.SEQ);
                    if (p < 0) {
                        break;
                    }
                    check(WireBytes.digits(a, p, end));
                    loop.delivered(-1);
                }
                if (WireBytes.after(a, off, end, WireBytes.RECOVERED_TRUE) < 0) {
                    errors++;
                    if (problem == null) {
                        problem = "joined without recovered:true";
                    }
                }
            }
            member = true;
            loop.loggedIn();
        }

        private void message(byte[] a, int off, int len) {
            if (!member) {
                return; // only messages after the join are live; the publisher waits for every join anyway
            }
            frameBytes = len;
            check(WireBytes.numberAfter(a, off, len, WireBytes.SEQ));
            loop.delivered(WireBytes.sendNanos(a, off, len));
        }

        private void check(long seq) {
            int stream = (int) (seq % streams);
            long number = seq / streams;
            long expected = next[stream];
            if (number == expected) {
                next[stream] = expected + 1;
            } else if (number > expected) {
                if (gaps[stream] == null) {
                    gaps[stream] = new TreeSet<>();
                }
                for (long s = expected; s < number && gaps[stream].size() < 1_000_000; s++) {
                    gaps[stream].add(s);
                }
                next[stream] = number + 1;
            } else if (gaps[stream] != null && gaps[stream].remove(number)) {
                reordered++;
            } else {
                duplicates++;
            }
        }

        long lost(long[] lastSeq) {
            long lost = 0;
            for (int s = 0; s < streams; s++) {
                lost += (gaps[s] == null ? 0 : gaps[s].size()) + Math.max(0, lastSeq[s] - (next[s] - 1));
            }
            return lost;
        }

        private void send(ByteBuffer bytes) throws IOException {
            if (out != null && out.hasRemaining()) {
                ByteBuffer joined = ByteBuffer.allocate(out.remaining() + bytes.remaining());
                joined.put(out).put(bytes).flip();
                out = joined;
            } else {
                out = bytes;
            }
            flush();
        }

        private void flush() throws IOException {
            channel.write(out);
            key.interestOps(out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }

        private void closed(String why) {
            if (problem == null) {
                problem = why;
            }
            if (!member) {
                loop.failure = name + ": " + why;
            }
            closedEarly = true;
            closeQuietly();
        }

        void failed(IOException e) {
            closed(e.toString());
        }

        void closeQuietly() {
            if (key != null) {
                key.cancel();
            }
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
