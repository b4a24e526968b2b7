package dev.parley.chat.cluster.redis;

import static dev.parley.chat.cluster.redis.Keys.utf8;

import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several Parley nodes sharing rooms through one Redis: the {@link RedisSequencer}, the {@link
 * RedisMessageStore}, the {@link RedisPresence} and the {@link RedisRoomBus} of one node, on one
 * Lettuce client with one command connection and one pub/sub connection.
 *
 * <pre>{@code
 * RedisCluster redis = RedisCluster.connect(URI.create("redis://127.0.0.1:6379"), "node-a");
 * ChatServer server = ChatServer.builder()
 *         .store(redis.store())
 *         .sequencer(store -> redis.sequencer())
 *         .build();
 * // ...
 * server.close();
 * redis.close();
 * }</pre>
 *
 * <p><b>Failure.</b> Lettuce is set to reject commands while disconnected, with a bounded request
 * queue and a command timeout, so while Redis is unreachable an append fails at once with {@link
 * StoreException} (answered {@code UNAVAILABLE}) and reads throw it; Lettuce reconnects by itself.
 * At start the node refuses a Redis whose {@code maxmemory-policy} is not {@code noeviction}: an
 * evicted key would be a lost message or a room whose seq starts over in the same epoch.
 *
 * <p><b>Thread safety.</b> Safe from any thread. Results and notices are delivered on one callback
 * thread of this cluster ({@code parley-redis-<node>}), in order.
 *
 * <p><b>Lifecycle.</b> {@link #connect} connects and checks Redis; {@link #close()} (idempotent)
 * stops the timers and closes the connections. Close the chat server first.
 */
public final class RedisCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisCluster.class);
    private final Builder options;
    private final Keys keys;
    private final RedisClient client;
    private final ClientResources resources;
    private final Link link;
    private final PubSub pubSub;
    private final ScheduledThreadPoolExecutor callbacks;
    private final RedisSequencer sequencer;
    private final RedisMessageStore store;
    private final RedisPresence presence;
    private final RedisRoomBus bus;
    private volatile boolean closed;

    private RedisCluster(Builder b) {
        this.options = b;
        this.keys = new Keys(b.keyPrefix);
        this.callbacks = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "parley-redis-" + b.nodeId);
            t.setDaemon(true);
            return t;
        });
        callbacks.setRemoveOnCancelPolicy(true);
        RedisURI uri = RedisURI.create(b.uri.toString());
        uri.setTimeout(b.commandTimeout);
        // Reconnect attempts back off to at most 2 s (Lettuce's default grows to 30 s), so a node is
        // back soon after Redis is.
        this.resources = DefaultClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(b.requestQueueSize)
                .timeoutOptions(TimeoutOptions.enabled(b.commandTimeout))
                .build());
        String where = uri.getHost() + ":" + uri.getPort();
        StatefulRedisConnection<byte[], byte[]> commands;
        StatefulRedisPubSubConnection<byte[], byte[]> subscriptions;
        try {
            commands = client.connect(ByteArrayCodec.INSTANCE);
            subscriptions = client.connectPubSub(ByteArrayCodec.INSTANCE);
        } catch (RuntimeException e) {
            client.shutdown();
            resources.shutdown();
            callbacks.shutdownNow();
            throw new StoreException("cannot connect to Redis at " + where + ": " + e.getMessage(), e);
        }
        this.link = new Link(commands, callbacks, b.commandTimeout, where);
        this.pubSub = new PubSub(subscriptions, callbacks);
        try {
            checkNoEviction();
            link.loadScripts();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.sequencer = new RedisSequencer(this, keys, link, b.nodeId);
        this.store = new RedisMessageStore(this, keys, link);
        this.presence = new RedisPresence(this, keys, link, b.nodeId, b.presenceTtl);
        this.bus = new RedisRoomBus(this, keys, link, b.nodeId);
        long refresh = Math.max(1, b.presenceTtl.toMillis() / 3);
        callbacks.scheduleWithFixedDelay(presence::refreshQuietly, refresh, refresh, TimeUnit.MILLISECONDS);
    }

    /**
     * Connects with the default options (see {@link Builder}).
     *
     * @param uri a Redis URI, such as {@code redis://127.0.0.1:6379} or {@code rediss://user:pw@host:6380/0}
     * @param nodeId this node's id, unique in the cluster
     * @throws StoreException if Redis cannot be reached
     * @throws IllegalStateException if Redis may evict keys ({@code maxmemory-policy} is not {@code noeviction})
     */
    public static RedisCluster connect(URI uri, String nodeId) {
        return builder(uri).nodeId(nodeId).connect();
    }

    /** A builder for the cluster of the Redis at {@code uri}. */
    public static Builder builder(URI uri) {
        return new Builder(uri);
    }

    /** This node's sequencer; hand it to the server as {@code .sequencer(store -> cluster.sequencer())}. */
    public RedisSequencer sequencer() {
        return sequencer;
    }

    /** This node's handle of the shared store. */
    public RedisMessageStore store() {
        return store;
    }

    /** This node's presence, shared by the cluster. */
    public RedisPresence presence() {
        return presence;
    }

    /** The bus for typing, receipts and presence pushes between nodes. */
    public RedisRoomBus roomBus() {
        return bus;
    }

    /** Stops the timers, closes both connections and the client. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        callbacks.shutdown();
        try {
            pubSub.close();
            link.close();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    boolean isClosed() {
        return closed;
    }

    PubSub pubSub() {
        return pubSub;
    }

    void scheduleResync(Runnable resync) {
        long every = options.resyncInterval.toMillis();
        callbacks.scheduleWithFixedDelay(resync, every, every, TimeUnit.MILLISECONDS);
    }

    /** Runs the append script; {@code expectedSeq} 0 lets the script number the draft. */
    CompletableFuture<List<Object>> runAppend(Message m, long expectedSeq) {
        String room = m.room();
        byte[][] k = {keys.meta(room), keys.log(room), keys.cids(room), keys.cidOrder(room)};
        String dedupe = m.cid() == null ? "" : m.user() + "\n" + m.cid();
        return link.script(Link.Script.APPEND, k,
                utf8(Long.toString(expectedSeq)), MessageCodec.wtf8(dedupe), utf8(Integer.toString(options.dedupeWindow)),
                utf8(Integer.toString(options.retainMessages)), MessageCodec.encode(m),
                utf8(m.id() + " " + m.ts()), keys.noticeChannel(room), utf8(options.nodeId));
    }

    private void checkNoEviction() {
        String info = link.await(link.commands().info("memory"), "report its memory settings");
        String policy = null;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("maxmemory_policy:")) {
                policy = line.substring("maxmemory_policy:".length()).trim();
            }
        }
        if (!"noeviction".equals(policy)) {
            throw new IllegalStateException("Redis at " + link.where() + " has maxmemory-policy " + policy
                    + "; Parley needs noeviction, because an evicted key is a lost message or a room log that"
                    + " starts over in the same epoch. Set `maxmemory-policy noeviction` (redis.conf or CONFIG SET).");
        }
        log.info("connected to Redis at {} as node {} (maxmemory-policy noeviction)", link.where(), options.nodeId);
    }

    /**
     * Options of a {@link RedisCluster}; each setter checks its value. Defaults: node id {@code
     * node-} and a random suffix, dedupe window 10 000 messages (PROTOCOL §5.6), retention 10 000
     * messages per room, command timeout 2 s, request queue 100 000 commands, presence expiry 15 s
     * (refreshed every third of it), head resync every 5 s, key prefix {@code parley:}.
     */
    public static final class Builder {
        private final URI uri;
        private String nodeId = "node-" + Long.toString(System.nanoTime() & 0xFFFFFFL, 36);
        private int dedupeWindow = 10_000;
        private int retainMessages = 10_000;
        private Duration commandTimeout = Duration.ofSeconds(2);
        private int requestQueueSize = 100_000;
        private Duration presenceTtl = Duration.ofSeconds(15);
        private Duration resyncInterval = Duration.ofSeconds(5);
        private String keyPrefix = "parley:";

        private Builder(URI uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
        }

        /** This node's id: 1 to 64 characters without space or newline, unique in the cluster. */
        public Builder nodeId(String id) {
            if (id.isEmpty() || id.length() > 64 || id.chars().anyMatch(c -> c <= ' ')) {
                throw new IllegalArgumentException("nodeId was \"" + id + "\" but must be 1 to 64 characters without spaces");
            }
            this.nodeId = id;
            return this;
        }

        /** How many of a room's latest messages a cid is remembered for, in [0, 1000000]; 0 turns dedupe off. */
        public Builder dedupeWindow(int messages) {
            if (messages < 0 || messages > 1_000_000) {
                throw new IllegalArgumentException("dedupeWindow was " + messages + " but must be in [0, 1000000]");
            }
            this.dedupeWindow = messages;
            return this;
        }

        /** How many of each room's latest messages the stream keeps, at least 1; 0 keeps everything. */
        public Builder retainMessages(int messages) {
            if (messages < 0) {
                throw new IllegalArgumentException("retainMessages was " + messages + " but must be at least 0");
            }
            this.retainMessages = messages;
            return this;
        }

        /** How long a command may take before it fails with StoreException, in [10 ms, 60 s]. */
        public Builder commandTimeout(Duration timeout) {
            if (timeout.compareTo(Duration.ofMillis(10)) < 0 || timeout.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException("commandTimeout was " + timeout + " but must be in [10ms, 60s]");
            }
            this.commandTimeout = timeout;
            return this;
        }

        /** How many commands may wait for Redis on one connection, in [16, 1000000]; more fail at once. */
        public Builder requestQueueSize(int commands) {
            if (commands < 16 || commands > 1_000_000) {
                throw new IllegalArgumentException("requestQueueSize was " + commands + " but must be in [16, 1000000]");
            }
            this.requestQueueSize = commands;
            return this;
        }

        /** How long a presence entry lives without this node refreshing it, in [1 s, 10 min]. */
        public Builder presenceTtl(Duration ttl) {
            if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("presenceTtl was " + ttl + " but must be in [1s, 10min]");
            }
            this.presenceTtl = ttl;
            return this;
        }

        /** How often the heads of tracked rooms are re-read to heal lost notices, in [100 ms, 10 min]. */
        public Builder resyncInterval(Duration every) {
            if (every.compareTo(Duration.ofMillis(100)) < 0 || every.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("resyncInterval was " + every + " but must be in [100ms, 10min]");
            }
            this.resyncInterval = every;
            return this;
        }

        /** The prefix of every key and channel, without braces; several deployments can share one Redis. */
        public Builder keyPrefix(String prefix) {
            new Keys(prefix);
            this.keyPrefix = prefix;
            return this;
        }

        /**
         * Connects, checks the eviction policy and loads the scripts.
         *
         * @throws StoreException if Redis cannot be reached
         * @throws IllegalStateException if Redis's {@code maxmemory-policy} is not {@code noeviction}
         */
        public RedisCluster connect() {
            return new RedisCluster(this);
        }
    }
}
