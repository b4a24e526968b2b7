package dev.parley.chat.cluster.redis;

import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.testkit.MessageStoreContract;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Redis store keeps the contract on a real redis-server. Each test's keys have their own
 * prefix (from its temporary directory), so "reopen" is a new connection to the same keys.
 */
class RedisMessageStoreContractIT extends MessageStoreContract {
    private static RedisServerFixture redis;
    private final List<RedisCluster> clusters = new ArrayList<>();

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

    @AfterEach
    void closeClusters() {
        clusters.forEach(RedisCluster::close);
    }

    @Override
    protected MessageStore newStore(Path directory) {
        return open(directory, 0);
    }

    @Override
    protected MessageStore newStoreRetaining(Path directory, int retainMessages) {
        return open(directory, retainMessages);
    }

    @Override
    protected boolean persists() {
        return true;
    }

    private MessageStore open(Path directory, int retainMessages) {
        RedisCluster c = RedisCluster.builder(redis.uri()).nodeId("contract")
                .keyPrefix("t" + Integer.toHexString(directory.toString().hashCode()) + ":")
                .retainMessages(retainMessages).connect();
        clusters.add(c);
        return c.store();
    }
}
