package dev.parley.chat.cluster.redis;

import static dev.parley.chat.cluster.redis.Keys.utf8;

import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import dev.parley.chat.spi.Sequenced;
import dev.parley.chat.spi.Sequencer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The {@link Sequencer} of a cluster: each append is one Lua script in Redis that refuses a cid the
 * author already used in the room's dedupe window (answering with the original), takes the room's
 * next seq with {@code HINCRBY}, adds the message to the room's stream under that seq, trims the
 * stream by retention and publishes a notice (seq, epoch, node and the message) on the room's
 * channel. Every check comes before the first write, so a refused append changes nothing.
 *
 * <p><b>A failed append may have happened.</b> Unlike the local sequencer, a failure here (a
 * timeout, a dropped connection, Redis restarting) does not prove that nothing was appended: Redis
 * may have run the script and lost only the answer, and Lettuce sends a command again after a
 * reconnect. The retry that settles it is the same draft with the same {@code cid}: it is appended
 * exactly once, and answered as a duplicate if the first attempt landed. A draft without a cid may
 * be stored twice by such a retry.
 *
 * <p><b>Thread safety.</b> Safe from any thread. Futures complete on this cluster's callback thread,
 * in the order the appends were called, so those of one room complete in seq order.
 *
 * <p><b>Lifecycle.</b> Made by {@link RedisCluster#sequencer()}; lives as long as the cluster.
 */
public final class RedisSequencer implements Sequencer {
    private final RedisCluster cluster;
    private final Keys keys;
    private final Link link;
    private final String nodeId;
    /** Rooms whose head is re-read after a pub/sub reconnect and every resync interval. */
    private final Set<String> tracked = ConcurrentHashMap.newKeySet();

    /**
     * A notice of one append, as published by the script.
     *
     * @param room the room
     * @param seq the appended seq
     * @param epoch the room's epoch when it was appended
     * @param node the id of the node that appended it
     * @param message the appended message, with its seq
     */
    public record Notice(String room, long seq, String epoch, String node, Message message) {}

    RedisSequencer(RedisCluster cluster, Keys keys, Link link, String nodeId) {
        this.cluster = cluster;
        this.keys = keys;
        this.link = link;
        this.nodeId = nodeId;
    }

    /**
     * {@inheritDoc}
     *
     * @return the stored message, or its original with {@code duplicate} true; a future failed with
     *     {@link StoreException} when Redis failed (the append may still have happened: retry with
     *     the same cid), or with {@link IllegalArgumentException} for a room that does not exist
     */
    @Override
    public CompletableFuture<Sequenced> append(Message draft) {
        if (cluster.isClosed()) {
            return CompletableFuture.failedFuture(new StoreException("the Redis cluster is closed"));
        }
        CompletableFuture<List<Object>> run;
        try {
            run = cluster.runAppend(draft, 0);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        tracked.add(draft.room());
        return run.thenApply(result -> {
            long status = RedisMessageStore.asLong(result.get(0));
            if (status == -1) {
                throw new IllegalArgumentException("no such room: " + draft.room());
            }
            long seq = RedisMessageStore.asLong(result.get(1));
            if (status == 1) {
                return new Sequenced(draft.withSeq(seq), false);
            }
            byte[] original = (byte[]) result.get(3);
            if (original.length > 0) {
                return new Sequenced(MessageCodec.decode(draft.room(), seq, original), true);
            }
            // Retention dropped the original, not its cid: the answer needs only its seq, id and ts.
            String[] kept = RedisMessageStore.str((byte[]) result.get(4)).split(" ");
            return new Sequenced(new Message(draft.room(), seq, kept[1], draft.user(), draft.body(),
                    Long.parseLong(kept[2]), draft.kind(), draft.cid(), draft.target(), draft.replyTo(), draft.meta()),
                    true);
        });
    }

    /** {@inheritDoc} The room's head is no longer resynced. */
    @Override
    public void release(String room) {
        tracked.remove(room);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Subscribes to every room's notice channel and calls {@code headAdvanced} for appends made
     * by other nodes. Pub/sub is at most once: after Lettuce has restored the subscription following
     * a reconnect, and every {@link RedisCluster.Builder#resyncInterval}, the head of every room this
     * node appended to or was told about (until {@link #release}d, or {@link #track}ed) is read and
     * reported too, so a lost notice delays a member but never leaves a gap.
     */
    @Override
    public void watch(BiConsumer<String, Long> headAdvanced) {
        watchNotices(n -> {
            if (!n.node().equals(nodeId)) {
                headAdvanced.accept(n.room(), n.seq());
            }
        }, headAdvanced);
    }

    /**
     * Like {@link #watch} but hands over every notice whole (also this node's own appends), with the
     * epoch and the message, for an engine that applies a notice at {@code head + 1} without reading
     * the log. Resynced heads go to {@code resynced}.
     */
    public void watchNotices(Consumer<Notice> notices, BiConsumer<String, Long> resynced) {
        cluster.pubSub().onNotice((channel, payload) -> {
            String room = keys.roomOf(channel, "notice");
            if (room == null) {
                return;
            }
            Notice n = parse(room, payload);
            tracked.add(room);
            notices.accept(n);
        }, () -> resync(resynced));
        link.await(cluster.pubSub().connection().async().psubscribe(keys.noticePattern()), "subscribe to notices");
        cluster.scheduleResync(() -> resync(resynced));
    }

    /** Adds a room to those whose head is resynced (the engine opened it without appending). */
    public void track(String room) {
        Keys.checkRoom(room);
        tracked.add(room);
    }

    private void resync(BiConsumer<String, Long> resynced) {
        for (String room : tracked) {
            byte[] seq;
            try {
                seq = link.await(link.commands().hget(keys.meta(room), utf8("seq")), "read head of " + room);
            } catch (StoreException e) {
                return; // Redis is away; the next resync tries again
            }
            if (seq != null) {
                resynced.accept(room, Long.parseLong(RedisMessageStore.str(seq)));
            }
        }
    }

    private static Notice parse(String room, byte[] payload) {
        int newline = 0;
        while (payload[newline] != '\n') {
            newline++;
        }
        String[] head = new String(payload, 0, newline, StandardCharsets.UTF_8).split(" ");
        long seq = Long.parseLong(head[0]);
        byte[] body = java.util.Arrays.copyOfRange(payload, newline + 1, payload.length);
        return new Notice(room, seq, head[1], head[2], MessageCodec.decode(room, seq, body));
    }
}
