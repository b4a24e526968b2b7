package dev.parley.chat.cluster.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.StoreException;
import dev.parley.chat.spi.Sequenced;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Redis killed and restarted, the pub/sub connection killed, eviction on, presence across nodes. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisFailureIT {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    private static Message draft(String id, String cid) {
        return new Message("r", 0, id, "alice", "body " + id, 1L, MessageKind.TEXT, cid, 0, 0, null);
    }

    private static Throwable failureOf(CompletableFuture<?> f) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> f.orTimeout(30, TimeUnit.SECONDS).join());
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    @Test
    void redisKilledAndRestarted_unavailableMeanwhile_thenRetryLandsOnceWithoutLossOrGap() {
        RedisServerFixture redis = keep(RedisServerFixture.start());
        RedisCluster node = keep(RedisCluster.builder(redis.uri()).nodeId("a")
                .commandTimeout(Duration.ofMillis(500)).connect());
        node.store().create("r", "", 1L).orElseThrow();
        List<CompletableFuture<Sequenced>> acked = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            acked.add(node.sequencer().append(draft("m" + i, "c" + i)));
        }
        acked.forEach(f -> f.orTimeout(30, TimeUnit.SECONDS).join());

        redis.kill();

        assertThat(failureOf(node.sequencer().append(draft("m101", "c101"))))
                .as("a publish while Redis is down fails as UNAVAILABLE").isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> node.store().readAfter("r", 0, 10)).isInstanceOf(StoreException.class);

        redis.restart();

        // The retry of the same draft, until Redis is reachable again.
        Sequenced retried = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    try {
                        return node.sequencer().append(draft("m101", "c101")).orTimeout(30, TimeUnit.SECONDS).join();
                    } catch (CompletionException e) {
                        return null;
                    }
                }, s -> s != null);
        assertThat(retried.message().seq()).isEqualTo(101);
        Sequenced again = node.sequencer().append(draft("m101-retry", "c101")).orTimeout(30, TimeUnit.SECONDS).join();
        assertThat(again.duplicate()).as("a second retry with the same cid is a duplicate").isTrue();
        assertThat(again.message().seq()).isEqualTo(101);

        List<Message> log = node.store().readAfter("r", 0, 1_000);
        assertThat(log).extracting(Message::seq)
                .as("every acknowledged message survived the kill (appendfsync always), without a gap")
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 101).boxed().collect(Collectors.toList()));
        assertThat(log.get(100).id()).isEqualTo("m101");
    }

    @Test
    void pubSubConnectionKilled_watcherStillSeesLaterAppends() {
        RedisServerFixture redis = keep(RedisServerFixture.start());
        RedisCluster a = keep(RedisCluster.builder(redis.uri()).nodeId("a").connect());
        RedisCluster b = keep(RedisCluster.builder(redis.uri()).nodeId("b").connect());
        List<Long> seen = new CopyOnWriteArrayList<>();
        a.sequencer().watch((room, seq) -> seen.add(seq));
        b.store().create("r", "", 1L).orElseThrow();
        b.sequencer().append(draft("m1", "c1")).orTimeout(30, TimeUnit.SECONDS).join();
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains(1L));

        RedisClient admin = RedisClient.create(redis.uri().toString());
        try (StatefulRedisConnection<String, String> c = admin.connect()) {
            assertThat(c.sync().clientKill(KillArgs.Builder.typePubsub())).isPositive();
        } finally {
            admin.shutdown();
        }
        // Appends until one is seen: the first ones may fall in the moment before Lettuce resubscribed.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            Sequenced s = b.sequencer().append(Message.text("r", "x" + System.nanoTime(), "bob", "after", 2L))
                    .orTimeout(30, TimeUnit.SECONDS).join();
            return seen.contains(s.message().seq());
        });
    }

    @Test
    void redisThatMayEvict_isRefusedAtStart() {
        RedisServerFixture redis = keep(RedisServerFixture.start("--maxmemory-policy", "allkeys-lru"));

        assertThatThrownBy(() -> RedisCluster.connect(redis.uri(), "a"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("allkeys-lru")
                .hasMessageContaining("noeviction");
    }

    @Test
    void presence_userOnTwoNodes_appearsOnceAndVanishesOnce_andADeadNodeIsSwept() {
        RedisServerFixture redis = keep(RedisServerFixture.start());
        RedisCluster a = keep(RedisCluster.builder(redis.uri()).nodeId("a").connect());
        RedisCluster b = keep(RedisCluster.builder(redis.uri()).nodeId("b").presenceTtl(Duration.ofSeconds(1)).connect());
        Member alice = new Member("alice", PresenceStatus.ONLINE, 5L);

        assertThat(a.presence().join("r", alice).changed()).as("first connection anywhere: appeared").isTrue();
        assertThat(b.presence().join("r", alice).changed()).as("second node: not a new member").isFalse();
        assertThat(a.presence().members("r")).containsExactly(alice);
        assertThat(a.presence().leave("r", "alice").changed()).as("still on node b: not gone").isFalse();
        assertThat(b.presence().leave("r", "alice").changed()).as("last entry: vanished").isTrue();
        assertThat(a.presence().count("r")).isZero();

        b.presence().join("r", new Member("bob", PresenceStatus.AWAY, 7L));
        b.close(); // node b dies: nobody refreshes bob's entry
        List<String> expired = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            expired.addAll(a.presence().sweep("r").expired());
            return expired.contains("bob");
        });
        assertThat(expired).containsExactly("bob");
        assertThat(a.presence().members("r")).isEmpty();
    }

    @Test
    void roomBus_deliversOtherNodesEvents() {
        RedisServerFixture redis = keep(RedisServerFixture.start());
        RedisCluster a = keep(RedisCluster.connect(redis.uri(), "a"));
        RedisCluster b = keep(RedisCluster.connect(redis.uri(), "b"));
        List<String> got = new CopyOnWriteArrayList<>();
        a.roomBus().listen((room, from, payload) -> got.add(room + "|" + from + "|" + payload));
        a.roomBus().subscribe("r");
        b.roomBus().listen((room, from, payload) -> got.add("b saw its own " + payload));
        b.roomBus().subscribe("r");

        b.roomBus().publish("r", "{\"typing\":\"bob\"}").orTimeout(30, TimeUnit.SECONDS).join();

        await().atMost(Duration.ofSeconds(30)).until(() -> !got.isEmpty());
        assertThat(got).containsExactly("r|b|{\"typing\":\"bob\"}");
    }
}
