package dev.parley.chat.cluster.redis;

import dev.parley.chat.testkit.SequencerContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Two nodes' Redis sequencers on one redis-server keep the sequencer contract. */
class RedisSequencerContractIT extends SequencerContract {
    private static final AtomicInteger TEST = new AtomicInteger();
    private static RedisServerFixture redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServerFixture.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    protected SharedLog openSharedLog() {
        String prefix = "seq" + TEST.incrementAndGet() + ":";
        RedisCluster a = RedisCluster.builder(redis.uri()).nodeId("a").keyPrefix(prefix).connect();
        RedisCluster b = RedisCluster.builder(redis.uri()).nodeId("b").keyPrefix(prefix).connect();
        return new SharedLog(a.store(), a.sequencer(), b.sequencer(), () -> {
            a.close();
            b.close();
        });
    }
}
