package dev.parley.chat.cluster.redis;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one pub/sub connection of a {@link RedisCluster}: notices arrive through the pattern of every
 * room's notice channel, bus events through the rooms' bus channels. Lettuce subscribes again after
 * a reconnect; each confirmation after the first of the notice pattern means notices may have been
 * lost meanwhile, and {@link #onResubscribed} runs (after the subscription is back, so a head read
 * then misses nothing). Handlers run on the callback thread, never on Netty's.
 */
final class PubSub {
    private static final Logger log = LoggerFactory.getLogger(PubSub.class);
    private final StatefulRedisPubSubConnection<byte[], byte[]> connection;
    private final Executor callbacks;
    private final AtomicInteger patternConfirmations = new AtomicInteger();
    private volatile BiConsumer<byte[], byte[]> notices = (channel, message) -> {};
    private volatile BiConsumer<byte[], byte[]> events = (channel, message) -> {};
    private volatile Runnable onResubscribed = () -> {};

    PubSub(StatefulRedisPubSubConnection<byte[], byte[]> connection, Executor callbacks) {
        this.connection = connection;
        this.callbacks = callbacks;
        connection.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(byte[] pattern, byte[] channel, byte[] message) {
                callbacks.execute(() -> guard("notice", () -> notices.accept(channel, message)));
            }

            @Override
            public void message(byte[] channel, byte[] message) {
                callbacks.execute(() -> guard("room bus event", () -> events.accept(channel, message)));
            }

            @Override
            public void psubscribed(byte[] pattern, long count) {
                if (patternConfirmations.incrementAndGet() > 1) {
                    log.info("notice subscription restored after a pub/sub reconnect; resyncing room heads");
                    callbacks.execute(() -> guard("resync", onResubscribed));
                }
            }
        });
    }

    StatefulRedisPubSubConnection<byte[], byte[]> connection() {
        return connection;
    }

    void onNotice(BiConsumer<byte[], byte[]> handler, Runnable resync) {
        this.notices = handler;
        this.onResubscribed = resync;
    }

    void onEvent(BiConsumer<byte[], byte[]> handler) {
        this.events = handler;
    }

    private static void guard(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.warn("a {} handler failed", what, e);
        }
    }

    void close() {
        connection.close();
    }
}
