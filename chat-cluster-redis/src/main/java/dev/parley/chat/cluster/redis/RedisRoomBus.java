package dev.parley.chat.cluster.redis;

import static dev.parley.chat.cluster.redis.Keys.utf8;

import dev.parley.chat.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * The small pushes between nodes of one room (typing, receipts, presence changes), on the room's
 * bus channel. Payloads are opaque text (the engine chooses their encoding); delivery is at most
 * once, in the order a node published them, and a node never receives its own events.
 *
 * <p><b>Thread safety.</b> Safe from any thread. The listener runs on the cluster's callback
 * thread, one event at a time.
 *
 * <p><b>Lifecycle.</b> Made by {@link RedisCluster#roomBus()}; lives as long as the cluster.
 * Subscriptions are restored by Lettuce after a reconnect; events published meanwhile are lost.
 */
public final class RedisRoomBus {
    private final RedisCluster cluster;
    private final Keys keys;
    private final Link link;
    private final String nodeId;

    /** Receives the events of subscribed rooms published by other nodes. */
    @FunctionalInterface
    public interface Listener {
        /** One event of {@code room}, published by node {@code fromNode}. */
        void onEvent(String room, String fromNode, String payload);
    }

    RedisRoomBus(RedisCluster cluster, Keys keys, Link link, String nodeId) {
        this.cluster = cluster;
        this.keys = keys;
        this.link = link;
        this.nodeId = nodeId;
    }

    /** Sets the one listener of this node's subscriptions (replacing an earlier one). */
    public void listen(Listener listener) {
        cluster.pubSub().onEvent((channel, payload) -> {
            String room = keys.roomOf(channel, "bus");
            int newline = indexOf(payload, (byte) '\n');
            if (room == null || newline < 0) {
                return;
            }
            String from = new String(payload, 0, newline, StandardCharsets.UTF_8);
            if (!from.equals(nodeId)) {
                listener.onEvent(room, from, new String(Arrays.copyOfRange(payload, newline + 1, payload.length),
                        StandardCharsets.UTF_8));
            }
        });
    }

    /**
     * Receives the room's events from now on (the engine opened the room).
     *
     * @throws StoreException if Redis cannot be reached
     */
    public void subscribe(String room) {
        link.await(cluster.pubSub().connection().async().subscribe(keys.busChannel(room)), "subscribe to " + room);
    }

    /**
     * Stops receiving the room's events.
     *
     * @throws StoreException if Redis cannot be reached
     */
    public void unsubscribe(String room) {
        link.await(cluster.pubSub().connection().async().unsubscribe(keys.busChannel(room)), "unsubscribe from " + room);
    }

    /**
     * Publishes an event to the other nodes subscribed to the room.
     *
     * @return the number of nodes that received it (this one included if subscribed), or a future
     *     failed with {@link StoreException} when Redis cannot be reached
     */
    public CompletableFuture<Long> publish(String room, String payload) {
        byte[] head = utf8(nodeId + "\n");
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        byte[] message = Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, message, head.length, body.length);
        CompletableFuture<Long> out = new CompletableFuture<>();
        try {
            link.commands().publish(keys.busChannel(room), message)
                    .whenComplete((n, e) -> link.deliver(out, n, e, "publish to " + room));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(link.failure("publish to " + room, e));
        }
        return out;
    }

    private static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }
}
