package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.chat.Message;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.PublishedMessage;
import dev.parley.chat.client.RoomListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * The {@link ParleyClient}'s central promise under a hostile network, as one reusable scenario:
 * {@value #CLIENTS} clients publish {@value #EACH} messages each into one room they all joined
 * while their connections are cut {@value #ROUNDS} times at random points. Any transport can run
 * it: the caller supplies how to make a connected client and how to cut a connection.
 *
 * <p><b>What it drives.</b> Clients {@code user0 … user3} are made with the {@link ClientFactory}
 * (each already connected, with fast reconnects) and each joins room {@code "room"}. Publishing
 * runs in {@value #ROUNDS} rounds of {@value #PER_ROUND} publishes ({@value #PER_CLIENT_PER_ROUND}
 * per client, all at once, bodies {@code "userI:N"}). In each round one cut happens when a number
 * of that round's publishes, chosen at random from {@code 0 … PER_ROUND-1}, has been acknowledged,
 * so every cut falls while publishes, acknowledgements and pushes are in flight. A cut drops every
 * open connection (one time in four) or one open connection chosen at random; a cut that finds no
 * open connection (every client reconnecting) is made at the round's next acknowledgement, or at
 * its end (waiting up to 10 s for a connection to open). All random choices come from one {@link
 * Random} seeded with {@link #SEED}.
 *
 * <p><b>What it asserts</b> (with AssertJ; a failure throws {@link AssertionError}):
 * <ul>
 *   <li>exactly {@value #ROUNDS} cuts were made;
 *   <li>every publish future completed, and their seqs are exactly {@code 1 … }{@value #TOTAL}
 *       (each distinct);
 *   <li>every listener saw {@code 1 … }{@value #TOTAL} exactly once, in seq order, and all
 *       listeners saw identical message lists;
 *   <li>each message seen carries the seq its publish was acknowledged with (matched by cid);
 *   <li>each author's messages arrive in the order that author published them.
 * </ul>
 *
 * <p><b>How to plug a transport.</b> Pass a {@link ClientFactory} that builds a client for a user
 * over the transport's client connector, connects it and keeps it for closing after the test (the
 * scenario closes nothing), and a {@link Connections} that lists the open connections and cuts one
 * of them, from either side, as a failing network or server would. For example, on the in-JVM
 * transport:
 *
 * <pre>{@code
 * InMemoryClientConnector connector = transport.clientConnector();
 * ReconnectChaos.Result result = ReconnectChaos.run(
 *         user -> connectedClient(connector, user),
 *         ReconnectChaos.connections(connector::openConnections, InMemoryClientConnection::drop));
 * }</pre>
 *
 * <p>The server must not rate limit the publishes (raise {@code publishPerSecond} and {@code
 * publishBurst}), and the clients should reconnect within milliseconds.
 */
public final class ReconnectChaos {
    /** How many clients publish. */
    public static final int CLIENTS = 4;
    /** How many messages each client publishes. */
    public static final int EACH = 500;
    /** How many messages are published in all. */
    public static final int TOTAL = CLIENTS * EACH;
    /** How many rounds, and so how many cuts. */
    public static final int ROUNDS = 100;
    /** How many messages each client publishes per round. */
    public static final int PER_CLIENT_PER_ROUND = EACH / ROUNDS;
    /** How many messages are published per round. */
    public static final int PER_ROUND = CLIENTS * PER_CLIENT_PER_ROUND;
    /** The seed of every random choice. */
    public static final long SEED = 0x5EED_2025L;

    private static final String ROOM = "room";

    private ReconnectChaos() {}

    /** Makes a client of {@code user}, connected; the caller closes it after the test. */
    @FunctionalInterface
    public interface ClientFactory {
        ParleyClient connectedClient(String user) throws Exception;
    }

    /**
     * The connections the clients have open right now, and a way to cut one of them.
     *
     * @param <C> the transport's connection type
     */
    public interface Connections<C> {
        /** A snapshot of the connections open right now. */
        List<C> open();

        /**
         * Cuts {@code connection} as a failing network or server would, so its client notices and
         * reconnects.
         *
         * @return false if it was gone already (nothing cut)
         */
        boolean cut(C connection);
    }

    /** A {@link Connections} from a snapshot supplier and a "cut one connection" action. */
    public static <C> Connections<C> connections(
            Supplier<List<C>> open, Predicate<C> cut) {
        Objects.requireNonNull(open, "open");
        Objects.requireNonNull(cut, "cut");
        return new Connections<>() {
            @Override
            public List<C> open() {
                return open.get();
            }

            @Override
            public boolean cut(C connection) {
                return cut.test(connection);
            }
        };
    }

    /**
     * What the run did, for assertions of the caller's own.
     *
     * @param cuts how many cuts were made (always {@link #ROUNDS} once {@link #run} returns)
     * @param connectionsCut how many connections those cuts closed in all
     */
    public record Result(int cuts, int connectionsCut) {}

    /**
     * Runs the scenario and asserts everything listed in the class description.
     *
     * @throws AssertionError if a promise is broken
     * @throws Exception if a client cannot connect or join, or a round's publishes do not all
     *     complete within 30 s
     */
    public static Result run(ClientFactory factory, Connections<?> connections) throws Exception {
        Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(connections, "connections");
        Random random = new Random(SEED);
        List<ParleyClient> clients = new ArrayList<>();
        List<Recorder> listeners = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            ParleyClient client = factory.connectedClient("user" + i);
            Recorder listener = new Recorder();
            client.join(ROOM, listener).joined().get(10, TimeUnit.SECONDS);
            clients.add(client);
            listeners.add(listener);
        }
        Cutter<?> cutter = new Cutter<>(connections, random);
        List<List<CompletableFuture<PublishedMessage>>> acks = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            acks.add(new ArrayList<>());
        }

        for (int round = 0; round < ROUNDS; round++) {
            int cutAfter = random.nextInt(PER_ROUND);
            AtomicInteger acknowledgedInRound = new AtomicInteger();
            AtomicBoolean owed = new AtomicBoolean(true);
            List<CompletableFuture<PublishedMessage>> roundAcks = new ArrayList<>();
            for (int n = round * PER_CLIENT_PER_ROUND; n < (round + 1) * PER_CLIENT_PER_ROUND; n++) {
                for (int i = 0; i < CLIENTS; i++) {
                    CompletableFuture<PublishedMessage> ack = clients.get(i).publish(ROOM, "user" + i + ":" + n);
                    acks.get(i).add(ack);
                    roundAcks.add(ack);
                }
            }
            if (cutAfter == 0) {
                cutter.cutIfOwed(owed);
            }
            for (CompletableFuture<PublishedMessage> ack : roundAcks) {
                ack.whenComplete((m, e) -> {
                    if (acknowledgedInRound.incrementAndGet() >= cutAfter) {
                        cutter.cutIfOwed(owed);
                    }
                });
            }
            CompletableFuture.allOf(roundAcks.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
            if (owed.get()) {
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                        .until(() -> cutter.cutIfOwed(owed));
            }
        }

        for (Recorder listener : listeners) {
            await().atMost(Duration.ofSeconds(30)).until(() -> listener.messages.size() >= TOTAL);
        }

        assertThat(cutter.cuts.get()).isEqualTo(ROUNDS);
        // Every publish future completed, each with its own seq.
        Map<String, Long> seqOfCid = new HashMap<>();
        Set<Long> ackedSeqs = new HashSet<>();
        for (List<CompletableFuture<PublishedMessage>> mine : acks) {
            for (CompletableFuture<PublishedMessage> ack : mine) {
                PublishedMessage m = ack.join();
                ackedSeqs.add(m.seq());
                seqOfCid.put(m.cid(), m.seq());
            }
        }
        List<Long> all = LongStream.rangeClosed(1, TOTAL).boxed().collect(Collectors.toList());
        assertThat(ackedSeqs).containsExactlyInAnyOrderElementsOf(all);
        // Every listener saw every message exactly once, in seq order, and each message is the
        // publish that was acknowledged with its seq.
        List<Message> reference = listeners.get(0).messages;
        for (Recorder listener : listeners) {
            assertThat(listener.messages.stream().map(Message::seq).collect(Collectors.toList()))
                    .containsExactlyElementsOf(all);
            assertThat(listener.messages).isEqualTo(reference);
        }
        for (Message m : reference) {
            assertThat(seqOfCid.get(m.cid())).as("seq acknowledged for %s", m.body()).isEqualTo(m.seq());
        }
        assertEachAuthorsOrderIsKept(reference);
        return new Result(cutter.cuts.get(), cutter.connectionsCut.get());
    }

    private static void assertEachAuthorsOrderIsKept(List<Message> messages) {
        Map<String, Integer> last = new HashMap<>();
        for (Message m : messages) {
            String[] parts = m.body().split(":");
            int n = Integer.parseInt(parts[1]);
            Integer previous = last.put(parts[0], n);
            assertThat(n).as("order of %s", parts[0]).isEqualTo(previous == null ? 0 : previous + 1);
        }
    }

    /** Records the messages a client's listener is given. */
    private static final class Recorder implements RoomListener {
        final List<Message> messages = new CopyOnWriteArrayList<>();

        @Override
        public void onMessage(Message message) {
            messages.add(message);
        }
    }

    /** Makes the owed cuts, choosing with the seeded random. */
    private static final class Cutter<C> {
        final Connections<C> connections;
        final Random random;
        final AtomicInteger cuts = new AtomicInteger();
        final AtomicInteger connectionsCut = new AtomicInteger();

        Cutter(Connections<C> connections, Random random) {
            this.connections = connections;
            this.random = random;
        }

        /**
         * Makes the owed cut if a connection is open: all of them one time in four, else one;
         * returns whether the cut is done.
         */
        synchronized boolean cutIfOwed(AtomicBoolean owed) {
            if (!owed.get()) {
                return true;
            }
            List<C> open = connections.open();
            if (open.isEmpty()) {
                return false;
            }
            int dropped = 0;
            if (random.nextInt(4) == 0) {
                for (C c : open) {
                    if (connections.cut(c)) {
                        dropped++;
                    }
                }
            } else if (connections.cut(open.get(random.nextInt(open.size())))) {
                dropped = 1;
            }
            if (dropped == 0) {
                return false;
            }
            connectionsCut.addAndGet(dropped);
            cuts.incrementAndGet();
            owed.set(false);
            return true;
        }
    }
}
