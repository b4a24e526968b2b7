package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.parley.chat.spi.Connection;
import dev.parley.chat.spi.ConnectionAcceptor;
import dev.parley.chat.spi.ConnectionHandler;
import dev.parley.chat.spi.Handshake;
import dev.parley.chat.spi.OutboundFrame;
import dev.parley.chat.spi.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviour every {@link Transport} owes the engine, checked against a stub acceptor that
 * records what reaches it (never the chat engine). A transport's test is a small subclass:
 *
 * <pre>{@code
 * class WebSocketTransportContractIT extends TransportContract {
 *     protected Transport newTransport() {
 *         return WebSocketTransport.builder()
 *                 .bind(new InetSocketAddress("127.0.0.1", 0))
 *                 .allowedOrigins(List.of(ALLOWED_ORIGIN))
 *                 .build();
 *     }
 *
 *     protected RawClient connect(Transport transport, Map<String, String> headers) throws Exception {
 *         return MyRawClient.open((WebSocketTransport) transport, headers);
 *     }
 * }
 * }</pre>
 *
 * <p>The transport under test must limit inbound frames to {@link #MAX_FRAME_BYTES} and, unless
 * {@link #checksOrigin()} is overridden to false, allow only {@link #ALLOWED_ORIGIN} as {@code
 * Origin}. It must turn an {@code Authorization: Bearer X} header given to {@link #connect} into
 * {@code Handshake.token()} X.
 *
 * <p>Checks: order of one connection's frames both ways; close codes 1000, 1001, 1008, 1009 and
 * 4000 as the client sees them; binary frames; many connections at once; close racing send; a
 * peer that vanishes; the frame limit at its edge; one {@link OutboundFrame} sent to many
 * connections; {@code queuedBytes} and drain notices with a peer that stops reading; refusal of
 * foreign origins and, by an acceptor that refuses, of bad credentials; and throughout, that a
 * handler hears {@code onClosed} exactly once, last, and never during {@code onText}.
 *
 * <p>Every wait has a deadline ({@link #WAIT}); nothing sleeps and nothing asserts timing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class TransportContract {
    /** The only origin the transport under test allows. */
    protected static final String ALLOWED_ORIGIN = "https://allowed.example";
    /** An origin the transport under test must refuse. */
    protected static final String FOREIGN_ORIGIN = "https://foreign.example";
    /** The frame limit the transport under test is configured with. */
    protected static final int MAX_FRAME_BYTES = 65_536;
    /** The credential the refusing acceptor of the credentials check admits. */
    protected static final String GOOD_TOKEN = "good-token";
    /**
     * How many bytes the network between a transport and its client may absorb when the client
     * stops reading: the backpressure check sends far more and expects the rest to stay queued.
     */
    protected static final long NETWORK_BUFFER_ALLOWANCE = 32L * 1024 * 1024;
    /** The deadline of every wait. */
    protected static final Duration WAIT = Duration.ofSeconds(30);

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private @Nullable Transport transport;
    private @Nullable Recorder recorder;

    /**
     * A new transport, not started, listening on a loopback address and any free port, with a frame
     * limit of {@link #MAX_FRAME_BYTES} and {@link #ALLOWED_ORIGIN} as its only allowed origin.
     */
    protected abstract Transport newTransport();

    /**
     * Opens a client to {@code transport}, which is started, presenting {@code headers} (such as
     * {@code Origin} and {@code Authorization}) at its handshake; returns once the connection is
     * open from the client's point of view.
     *
     * @throws RawClient.Refused if the transport refused the handshake
     */
    protected abstract RawClient connect(Transport transport, Map<String, String> headers) throws Exception;

    /** Whether the transport checks {@code Origin}; override to return false if it has none. */
    protected boolean checksOrigin() {
        return true;
    }

    @AfterEach
    void closeEverything() throws Exception {
        List<AutoCloseable> reversed = new ArrayList<>(toClose);
        Collections.reverse(reversed);
        for (AutoCloseable c : reversed) {
            try {
                c.close();
            } catch (Exception e) {
                // closing is best effort; the test already has its verdict
            }
        }
        if (recorder != null) {
            recorder.assertHandlersSawAWellFormedLife();
        }
    }

    // ---- order ----------------------------------------------------------------------------------

    @Test
    void textFrames_ofOneConnection_arriveInOrder_bothWays() {
        Recorder r = start(h -> true);
        RawClient client = open(headers());
        Peer peer = r.nextPeer();

        int count = 1000;
        for (int i = 0; i < count; i++) {
            client.sendText("c" + i);
        }
        for (int i = 0; i < count; i++) {
            assertThat(peer.nextText()).as("text frames of one client must reach the acceptor in send order (frame %d)", i)
                    .isEqualTo("c" + i);
        }
        for (int i = 0; i < count; i++) {
            assertThat(peer.connection.send(OutboundFrame.ofText("s" + i)))
                    .as("send on an open connection must return true (frame %d)", i).isTrue();
        }
        for (int i = 0; i < count; i++) {
            assertThat(client.nextText(WAIT)).as("frames sent on one connection must reach the client in send order (frame %d)", i)
                    .isEqualTo("s" + i);
        }
    }

    @Test
    void text_withMultiByteCharacters_arrivesIntact() {
        Recorder r = start(h -> true);
        RawClient client = open(headers());
        Peer peer = r.nextPeer();
        String text = "héllo wörld ✓ \uD83D\uDE00 日本語";

        client.sendText(text);
        assertThat(peer.nextText()).as("a client's text must reach the acceptor with its UTF-8 intact").isEqualTo(text);
        peer.connection.send(OutboundFrame.ofUtf8(text.getBytes(StandardCharsets.UTF_8)));
        assertThat(client.nextText(WAIT)).as("a sent text must reach the client with its UTF-8 intact").isEqualTo(text);
    }

    @Test
    void acceptor_getsTheHandshake_withRemoteAddressAndBearerToken() {
        Recorder r = start(h -> true);
        Map<String, String> headers = headers();
        headers.put("Authorization", "Bearer " + GOOD_TOKEN);
        open(headers);
        Peer peer = r.nextPeer();

        assertThat(peer.connection.handshake().token())
                .as("the handshake must carry the bearer token of the Authorization header").isEqualTo(GOOD_TOKEN);
        assertThat(peer.connection.handshake().remoteAddress()).isNotBlank();
        assertThat(peer.connection.id()).isNotBlank();
    }

    @Test
    void binaryFrame_reachesOnBinary() {
        Recorder r = start(h -> true);
        RawClient client = open(headers());
        Peer peer = r.nextPeer();

        client.sendBinary(new byte[] {1, 2, 3});
        client.sendText("after");
        assertThat(peer.nextText()).as("a text frame after a binary one must still arrive").isEqualTo("after");
        assertThat(peer.binaries.get()).as("a binary frame must reach onBinary once").isEqualTo(1);
    }

    // ---- closing --------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {1000, 1008, 4000})
    void serverClose_withCode_isSeenByClient_andReportedOnce(int code) {
        Recorder r = start(h -> true);
        RawClient client = open(headers());
        Peer peer = r.nextPeer();

        peer.connection.close(code, "closing with " + code);

        assertThat(client.awaitClose(WAIT)).as("the client must see the close code the server chose").isEqualTo(code);
        assertThat(peer.awaitClosed()).as("the handler must be told of the close, with its code").isEqualTo(code);
        assertThat(peer.connection.send(OutboundFrame.ofText("late"))).as("send after close must return false").isFalse();
    }

    @Test
    void serverClose_afterQueuedFrames_deliversThemFirst() {
        Recorder r = start(h -> true);
        RawClient client = open(headers());
        Peer peer = r.nextPeer();

        int count = 200;
        for (int i = 0; i < count; i++) {
            peer.connection.send(OutboundFrame.ofText("f" + i));
        }
        peer.connection.close(1000, "done");

        for (int i = 0; i < count; i++) {
            assertThat(client.nextText(WAIT))
                    .as("frames queued before a close must be delivered before it, in order (frame %d)", i)
                    .isEqualTo("f" + i);
        }
        assertThat(client.awaitClose(WAIT)).isEqualTo(1000);
    }

    @Test
    void clientClose_isReportedOnce_andLaterSendsReturnFalse() {
        Recorder r = start(h -> true);
        RawClient client = open(headers());
        Peer peer = r.nextPeer();

        client.close(1000, "bye");

        assertThat(peer.awaitClosed()).as("a client's close must reach the handler with its code").isEqualTo(1000);
        assertThat(peer.connection.send(OutboundFrame.ofText("late"))).as("send after close must return false").isFalse();
    }

    @Test
    void transportClose_closesOpenConnectionsWith1001() {
        Recorder r = start(h -> true);
        // One at a time: a transport may accept concurrent connections in either order.
        RawClient first = open(headers());
        Peer a = r.nextPeer();
        RawClient second = open(headers());
        Peer b = r.nextPeer();
        a.connection.send(OutboundFrame.ofText("before close"));

        transport().close();

        assertThat(first.nextText(WAIT)).as("a frame sent before the transport closes must be delivered")
                .isEqualTo("before close");
        assertThat(first.awaitClose(WAIT)).as("closing the transport must close every connection with 1001").isEqualTo(1001);
        assertThat(second.awaitClose(WAIT)).as("closing the transport must close every connection with 1001").isEqualTo(1001);
        assertThat(a.awaitClosed()).as("each handler must be told of the transport's close, 1001").isEqualTo(1001);
        assertThat(b.awaitClosed()).as("each handler must be told of the transport's close, 1001").isEqualTo(1001);
        transport().close(); // idempotent
    }

    @Test
    void peerThatVanishes_withoutClose_isReportedClosed() {
        Recorder r = start(h -> true);
        RawClient client = open(headers());
        Peer peer = r.nextPeer();
        client.sendText("alive");
        assertThat(peer.nextText()).isEqualTo("alive");

        client.abort();

        peer.awaitClosed();
        waitUntil(() -> !peer.connection.send(OutboundFrame.ofText("into the void")));
    }

    @RepeatedTest(5)
    void closeRacingSend_neverThrows_andSendReturnsFalseAfterClose() throws Exception {
        Recorder r = start(h -> true);
        open(headers());
        Peer peer = r.nextPeer();
        OutboundFrame frame = OutboundFrame.ofText("x".repeat(100));

        int senders = 4;
        CountDownLatch go = new CountDownLatch(1);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < senders; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    int sent = 0;
                    while (!stop.get() && sent < 100_000) {
                        if (peer.connection.send(frame)) {
                            sent++;
                        }
                    }
                    return sent;
                }));
            }
            go.countDown();
            peer.connection.close(1000, "racing");
            assertThat(peer.connection.send(frame)).as("send after close()").isFalse();
            stop.set(true);
            for (Future<Integer> result : results) {
                result.get(WAIT.toMillis(), TimeUnit.MILLISECONDS); // rethrows what a sender threw
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(peer.awaitClosed()).isEqualTo(1000);
    }

    // ---- limits ---------------------------------------------------------------------------------

    @Test
    void frameAtTheLimit_passes_andOneByteMore_closesWith1009() {
        Recorder r = start(h -> true);
        RawClient client = open(headers());
        Peer peer = r.nextPeer();

        String atLimit = "a".repeat(MAX_FRAME_BYTES);
        client.sendText(atLimit);
        // Compared as a boolean: two 64 KiB strings in a failure message would explain nothing.
        String arrived = peer.nextText();
        assertThat(atLimit.equals(arrived))
                .as("a frame of exactly maxFrameBytes must arrive intact (arrived %d chars)", arrived.length()).isTrue();

        client.sendText("b".repeat(MAX_FRAME_BYTES + 1));
        assertThat(client.awaitClose(WAIT)).as("a frame over maxFrameBytes must close the connection with 1009")
                .isEqualTo(1009);
        assertThat(peer.awaitClosed()).as("the handler must be told of the 1009 close").isEqualTo(1009);
        assertThat(peer.texts).as("an oversized frame must not reach the handler").isEmpty();
    }

    // ---- many connections -----------------------------------------------------------------------

    @Test
    void manyConnections_sendingAtOnce_eachSeesItsOwnFramesInOrder() throws Exception {
        Recorder r = start(h -> true);
        int connections = 50;
        int frames = 200;
        List<RawClient> clients = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            clients.add(open(headers()));
        }
        // Pair server peers with clients by a first frame naming the client.
        Map<String, Peer> peers = new HashMap<>();
        for (int i = 0; i < connections; i++) {
            clients.get(i).sendText("id:" + i);
        }
        for (int i = 0; i < connections; i++) {
            Peer peer = r.nextPeer();
            peers.put(peer.nextText(), peer);
        }
        assertThat(peers).hasSize(connections);

        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                RawClient client = clients.get(i);
                int id = i;
                done.add(pool.submit(() -> {
                    go.await();
                    for (int f = 0; f < frames; f++) {
                        client.sendText("echo:" + id + ":" + f);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> d : done) {
                d.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < connections; i++) {
            Peer peer = peers.get("id:" + i);
            for (int f = 0; f < frames; f++) {
                assertThat(peer.nextText()).isEqualTo("echo:" + i + ":" + f);
                assertThat(clients.get(i).nextText(WAIT)).isEqualTo(i + ":" + f);
            }
        }
    }

    @Test
    void oneOutboundFrame_sentToManyConnections_arrivesIntactAtEach() {
        Recorder r = start(h -> true);
        int connections = 20;
        List<RawClient> clients = new ArrayList<>();
        List<Peer> peers = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            clients.add(open(headers()));
            peers.add(r.nextPeer());
        }
        // Sizes around the frame header's length encodings (7, 16 and 64 bits).
        List<OutboundFrame> frames = List.of(
                OutboundFrame.ofText("small"),
                OutboundFrame.ofText("m".repeat(125)),
                OutboundFrame.ofText("n".repeat(126)),
                OutboundFrame.ofText("ü".repeat(300)),
                OutboundFrame.ofText("x".repeat(65_535)),
                OutboundFrame.ofUtf8("y".repeat(70_000).getBytes(StandardCharsets.UTF_8)));
        for (OutboundFrame frame : frames) {
            for (Peer peer : peers) {
                assertThat(peer.connection.send(frame)).isTrue();
            }
        }
        for (RawClient client : clients) {
            for (OutboundFrame frame : frames) {
                assertThat(client.nextText(WAIT)).isEqualTo(frame.text());
            }
        }
        waitUntil(() -> peers.stream().allMatch(peer -> peer.connection.queuedBytes() == 0));
    }

    // ---- backpressure ---------------------------------------------------------------------------

    @Test
    void queuedBytes_growWhileThePeerStopsReading_andReturnToZeroWithOneDrainNotice() {
        Recorder r = start(h -> true);
        RawClient client = open(headers());
        Peer peer = r.nextPeer();
        assertThat(peer.connection.queuedBytes()).isZero();

        client.pauseReading();
        // Far more than the network buffers between the two ends can hold (a few MiB on loopback),
        // so most of it must still be queued however fast the transport writes. One shared frame:
        // the transport should not need memory for each copy.
        OutboundFrame frame = OutboundFrame.ofText("q".repeat(32 * 1024));
        int count = 2048; // 64 MiB
        long total = (long) count * frame.sizeBytes();
        for (int i = 0; i < count; i++) {
            assertThat(peer.connection.send(frame)).isTrue();
        }
        assertThat(peer.connection.queuedBytes())
                .as("payload bytes still queued for a peer that stopped reading")
                .isBetween(total - NETWORK_BUFFER_ALLOWANCE, total);

        peer.connection.requestDrainNotice();
        peer.connection.requestDrainNotice(); // several requests, one notice
        assertThat(peer.drained.get()).as("a drain notice while the backlog is there").isZero();
        client.resumeReading();

        for (int i = 0; i < count; i++) {
            assertThat(client.nextText(WAIT)).hasSize(frame.sizeBytes());
        }
        waitUntil(() -> peer.connection.queuedBytes() == 0);
        waitUntil(() -> peer.drained.get() >= 1);
        // A round trip later, still one notice.
        client.sendText("echo:ping");
        assertThat(client.nextText(WAIT)).isEqualTo("ping");
        assertThat(peer.drained.get()).isEqualTo(1);
    }

    @Test
    void drainNotice_canBeAskedForAgain_afterOneCame() {
        Recorder r = start(h -> true);
        open(headers());
        Peer peer = r.nextPeer();

        peer.connection.requestDrainNotice();
        waitUntil(() -> peer.drained.get() == 1);
        peer.connection.send(OutboundFrame.ofText("more"));
        peer.connection.requestDrainNotice();

        waitUntil(() -> peer.drained.get() == 2);
    }

    @Test
    void drainNotice_whenNothingIsQueued_comesSoon() {
        Recorder r = start(h -> true);
        open(headers());
        Peer peer = r.nextPeer();

        peer.connection.requestDrainNotice();

        waitUntil(() -> peer.drained.get() == 1);
    }

    // ---- handshake ------------------------------------------------------------------------------

    @Test
    void handshake_fromAForeignOrigin_isRefused_andOthersAreStillAccepted() {
        Assumptions.assumeTrue(checksOrigin(), "the transport has no origins");
        Recorder r = start(h -> true);

        Map<String, String> foreign = new LinkedHashMap<>();
        foreign.put("Origin", FOREIGN_ORIGIN);
        assertRefusedOrClosedWith1008(foreign);

        RawClient client = open(headers());
        Peer peer = r.nextPeer();
        client.sendText("echo:still here");
        assertThat(client.nextText(WAIT)).isEqualTo("still here");
        assertThat(peer.nextText()).isEqualTo("echo:still here");
        assertThat(r.acceptedCount()).as("connections handed to the acceptor").isEqualTo(1);
    }

    @Test
    void badCredentials_areClosedWith1008_byAnAcceptorThatRefusesThem() {
        Recorder r = start(h -> GOOD_TOKEN.equals(h.token()));

        Map<String, String> bad = headers();
        bad.put("Authorization", "Bearer wrong-token");
        assertRefusedOrClosedWith1008(bad);
        Map<String, String> none = headers();
        assertRefusedOrClosedWith1008(none);

        Map<String, String> good = headers();
        good.put("Authorization", "Bearer " + GOOD_TOKEN);
        RawClient client = open(good);
        client.sendText("echo:welcome");
        assertThat(client.nextText(WAIT)).isEqualTo("welcome");
    }

    // ---- helpers for subclasses and tests -------------------------------------------------------

    /** Headers a well-behaved client presents: the allowed origin, if the transport checks one. */
    protected Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        if (checksOrigin()) {
            headers.put("Origin", ALLOWED_ORIGIN);
        }
        return headers;
    }

    /** Starts a new transport whose acceptor admits the handshakes {@code admit} accepts. */
    protected Recorder start(Predicate<Handshake> admit) {
        Transport t = newTransport();
        toClose.add(t);
        Recorder rec = new Recorder(admit);
        t.start(rec);
        transport = t;
        recorder = rec;
        return rec;
    }

    /** The transport of the current test. */
    protected Transport transport() {
        if (transport == null) {
            throw new IllegalStateException("start() first");
        }
        return transport;
    }

    /** Opens a client that the test closes at its end. */
    protected RawClient open(Map<String, String> headers) {
        try {
            RawClient client = connect(transport(), headers);
            toClose.add(client);
            return client;
        } catch (RawClient.Refused e) {
            throw new AssertionError("the handshake was refused: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new AssertionError("cannot connect: " + e, e);
        }
    }

    /** Waits up to {@link #WAIT} for {@code condition}, polling often. */
    protected static void waitUntil(Callable<Boolean> condition) {
        await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).until(condition);
    }

    private void assertRefusedOrClosedWith1008(Map<String, String> headers) {
        RawClient client;
        try {
            client = connect(transport(), headers);
        } catch (RawClient.Refused refused) {
            return; // refused at the handshake
        } catch (Exception e) {
            throw new AssertionError("expected a refusal, got " + e, e);
        }
        toClose.add(client);
        assertThat(client.awaitClose(WAIT)).as("close code of a refused connection").isEqualTo(1008);
    }

    /**
     * The stub engine: accepts every connection (closing with 1008 those whose handshake {@code
     * admit} refuses) and records what reaches each handler. A text frame {@code echo:X} is
     * answered with {@code X}.
     */
    protected static final class Recorder implements ConnectionAcceptor {
        private final Predicate<Handshake> admit;
        private final BlockingQueue<Peer> accepted = new LinkedBlockingQueue<>();
        private final Queue<Peer> all = new ConcurrentLinkedQueue<>();
        private final AtomicInteger count = new AtomicInteger();

        Recorder(Predicate<Handshake> admit) {
            this.admit = admit;
        }

        @Override
        public ConnectionHandler accept(Connection connection) {
            Peer peer = new Peer(connection);
            count.incrementAndGet();
            all.add(peer);
            if (admit.test(connection.handshake())) {
                accepted.add(peer);
            } else {
                connection.close(1008, "unauthenticated");
            }
            return peer;
        }

        /** The next admitted connection, in the order they were accepted. */
        public Peer nextPeer() {
            try {
                Peer peer = accepted.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                if (peer == null) {
                    throw new AssertionError("no connection was accepted within " + WAIT);
                }
                return peer;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }

        /** How many connections the transport handed to this acceptor. */
        public int acceptedCount() {
            return count.get();
        }

        void assertHandlersSawAWellFormedLife() {
            for (Peer peer : all) {
                assertThat(peer.violations).as("handler contract violations of " + peer.connection.id()).isEmpty();
            }
        }
    }

    /** The recording handler of one connection. */
    protected static final class Peer implements ConnectionHandler {
        /** The transport's connection. */
        public final Connection connection;
        /** Text frames received and not yet taken by {@link #nextText()}. */
        public final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        /** Binary frames received. */
        public final AtomicInteger binaries = new AtomicInteger();
        /** Drain notices received. */
        public final AtomicInteger drained = new AtomicInteger();
        private final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final AtomicInteger closedCalls = new AtomicInteger();
        private final AtomicBoolean inEvent = new AtomicBoolean();
        private final Queue<String> violations = new ConcurrentLinkedQueue<>();

        Peer(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void onText(String text) {
            enter("onText");
            try {
                if (text.startsWith("echo:")) {
                    connection.send(OutboundFrame.ofText(text.substring("echo:".length())));
                }
                texts.add(text);
            } finally {
                inEvent.set(false);
            }
        }

        @Override
        public void onBinary() {
            enter("onBinary");
            binaries.incrementAndGet();
            inEvent.set(false);
        }

        @Override
        public void onDrained() {
            drained.incrementAndGet();
        }

        @Override
        public void onClosed(int code, String reason) {
            enter("onClosed");
            if (closedCalls.incrementAndGet() > 1) {
                violations.add("onClosed called again with " + code);
            }
            closed.complete(code);
            inEvent.set(false);
        }

        private void enter(String event) {
            if (!inEvent.compareAndSet(false, true)) {
                violations.add(event + " while another event was being handled");
            }
            if (closedCalls.get() > 0 && !event.equals("onClosed")) {
                violations.add(event + " after onClosed");
            }
        }

        /** The next text frame received, waiting up to {@link #WAIT}. */
        public String nextText() {
            try {
                String text = texts.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                if (text == null) {
                    throw new AssertionError("no text frame reached " + connection.id() + " within " + WAIT);
                }
                return text;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }

        /** Waits for {@code onClosed} and returns its code. */
        public int awaitClosed() {
            try {
                return closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                return fail("onClosed was not called on " + connection.id() + " within " + WAIT, e);
            }
        }

        @Override
        public String toString() {
            return connection.id() + Arrays.toString(texts.toArray());
        }
    }
}
