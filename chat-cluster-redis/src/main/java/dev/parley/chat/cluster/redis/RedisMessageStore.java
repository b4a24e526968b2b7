package dev.parley.chat.cluster.redis;

import static dev.parley.chat.cluster.redis.Keys.utf8;

import dev.parley.chat.Message;
import dev.parley.chat.StoreException;
import dev.parley.chat.spi.Ids;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.RoomInfo;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link MessageStore} in Redis, shared by every node of a {@link RedisCluster}: room metadata in
 * a hash, each room's log in a stream whose entry ids are {@code <seq>-0} (so a read by seq is a
 * direct {@code XRANGE}), read markers in a hash, and a sorted set of room ids. The key layout is
 * in this package's documentation.
 *
 * <p>An append is acknowledged when Redis has executed it; whether that survives a crash of Redis
 * is Redis's persistence setting: with {@code appendonly yes} and {@code appendfsync always} an
 * acknowledged message is on disk, with {@code everysec} the last second of them may be lost.
 * Retention keeps the latest {@link RedisCluster.Builder#retainMessages} messages of each room.
 *
 * <p><b>Thread safety.</b> Safe from any thread. Reads block the caller until Redis answers or the
 * command timeout passes; never call them on a Lettuce (Netty) thread.
 *
 * <p><b>Lifecycle.</b> Made by {@link RedisCluster#store()}. {@link #close()} closes this handle
 * only (later calls fail with {@link StoreException}); the connection closes with the cluster.
 */
public final class RedisMessageStore implements MessageStore {
    private static final byte[] EMPTY = new byte[0];
    private final RedisCluster cluster;
    private final Keys keys;
    private final Link link;
    private volatile boolean closed;

    RedisMessageStore(RedisCluster cluster, Keys keys, Link link) {
        this.cluster = cluster;
        this.keys = keys;
        this.link = link;
    }

    /**
     * {@inheritDoc}
     *
     * @throws StoreException if Redis cannot be reached or answers with an error
     */
    @Override
    public Optional<RoomInfo> room(String room) {
        checkOpen();
        List<KeyValue<byte[], byte[]>> fields = link.await(
                link.commands().hmget(keys.meta(room), utf8("epoch"), utf8("topic"), utf8("created"), utf8("seq"),
                        utf8("first")),
                "read room " + room);
        return info(room, fields);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The room id goes into the room list first and the metadata second (they live in different
     * slots of a Redis Cluster, so not in one script): a node that dies between the two leaves an
     * id in the list without a room, which {@link #rooms()} skips and a later create completes.
     *
     * @throws StoreException if Redis cannot be reached or answers with an error
     */
    @Override
    public Optional<RoomInfo> create(String room, String topic, long createdAt) {
        checkOpen();
        Keys.checkRoom(room);
        link.await(link.commands().zadd(keys.rooms(), 0, utf8(room)), "list room " + room);
        String epoch = Ids.newEpoch();
        List<Object> created = link.await(link.<List<Object>>script(Link.Script.CREATE, new byte[][] {keys.meta(room)},
                utf8(epoch), utf8(topic), utf8(Long.toString(createdAt))), "create room " + room);
        if (asLong(created.get(0)) == 0) {
            return Optional.empty();
        }
        return Optional.of(new RoomInfo(room, epoch, topic, createdAt, 0, 0));
    }

    /**
     * {@inheritDoc}
     *
     * <p>The check of the seq and the append are one script, so two nodes appending the same seq
     * cannot both succeed. A failed future may still have appended (Redis executed the script but
     * its answer was lost): read the room's last seq before trying again.
     */
    @Override
    public CompletableFuture<Void> append(Message message) {
        if (closed) {
            return CompletableFuture.failedFuture(new StoreException("the store is closed"));
        }
        String room = message.room();
        if (message.seq() < 1) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "room " + room + ": cannot append seq " + message.seq() + "; seqs start at 1"));
        }
        CompletableFuture<List<Object>> run;
        try {
            run = cluster.runAppend(message, message.seq());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return run.thenApply(result -> {
            long status = asLong(result.get(0));
            if (status == -1) {
                throw new IllegalArgumentException("no such room: " + room);
            }
            if (status == -2) {
                throw new IllegalArgumentException("room " + room + " is at seq " + asLong(result.get(1))
                        + "; cannot append seq " + message.seq());
            }
            return null;
        });
    }

    /**
     * {@inheritDoc}
     *
     * @throws StoreException if Redis cannot be reached or answers with an error
     */
    @Override
    public List<Message> readAfter(String room, long afterSeq, int limit) {
        checkOpen();
        if (limit <= 0 || afterSeq == Long.MAX_VALUE) {
            return List.of();
        }
        long from = Math.max(1, afterSeq + 1);
        return decode(room, link.await(link.commands().xrange(keys.log(room),
                Range.create(from + "-0", "+"), Limit.from(limit)), "read room " + room));
    }

    /**
     * {@inheritDoc}
     *
     * @throws StoreException if Redis cannot be reached or answers with an error
     */
    @Override
    public List<Message> readBefore(String room, long beforeSeq, int limit) {
        checkOpen();
        if (limit <= 0 || beforeSeq <= 1) {
            return List.of();
        }
        List<Message> out = decode(room, link.await(link.commands().xrevrange(keys.log(room),
                Range.create("-", (beforeSeq - 1) + "-0"), Limit.from(limit)), "read room " + room));
        Collections.reverse(out);
        return out;
    }

    /**
     * {@inheritDoc}
     *
     * @throws StoreException if Redis cannot be reached or answers with an error
     */
    @Override
    public long readMarker(String room, String user) {
        checkOpen();
        byte[] v = link.await(link.commands().hget(keys.readMarkers(room), utf8(user)), "read marker of " + room);
        return v == null ? 0 : Long.parseLong(str(v));
    }

    /**
     * {@inheritDoc}
     *
     * <p>One script compares and moves, so concurrent moves from several nodes keep the largest.
     *
     * @throws StoreException if Redis cannot be reached or answers with an error
     */
    @Override
    public long moveReadMarker(String room, String user, long seq) {
        checkOpen();
        List<Object> r = link.await(link.<List<Object>>script(Link.Script.READ_MARKER,
                new byte[][] {keys.readMarkers(room)}, utf8(user), utf8(Long.toString(seq))), "move marker of " + room);
        return asLong(r.get(0));
    }

    /**
     * {@inheritDoc}
     *
     * @throws StoreException if Redis cannot be reached or answers with an error
     */
    @Override
    public List<RoomInfo> rooms() {
        checkOpen();
        List<byte[]> ids = link.await(link.commands().zrange(keys.rooms(), 0, -1), "list rooms");
        // Pipelined: one round trip's worth of waiting for all the rooms' metadata.
        List<RedisFuture<List<KeyValue<byte[], byte[]>>>> metas = new ArrayList<>(ids.size());
        for (byte[] id : ids) {
            metas.add(link.commands().hmget(keys.meta(str(id)), utf8("epoch"), utf8("topic"), utf8("created"),
                    utf8("seq"), utf8("first")));
        }
        List<RoomInfo> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            info(str(ids.get(i)), link.await(metas.get(i), "list rooms")).ifPresent(out::add);
        }
        return out; // the sorted set orders equal scores by their bytes: room ids are ASCII
    }

    /** Closes this handle; the shared connection stays open until {@link RedisCluster#close()}. Idempotent. */
    @Override
    public void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed || cluster.isClosed()) {
            throw new StoreException("the store is closed");
        }
    }

    private static Optional<RoomInfo> info(String room, List<KeyValue<byte[], byte[]>> fields) {
        if (!fields.get(0).hasValue()) {
            return Optional.empty();
        }
        long last = Long.parseLong(text(fields.get(3)));
        long first = last == 0 ? 0 : Long.parseLong(text(fields.get(4)));
        return Optional.of(new RoomInfo(room, text(fields.get(0)), text(fields.get(1)), Long.parseLong(text(fields.get(2))),
                first, last));
    }

    private static String text(KeyValue<byte[], byte[]> field) {
        return str(field.getValueOrElse(EMPTY));
    }

    private static List<Message> decode(String room, List<StreamMessage<byte[], byte[]>> entries) {
        List<Message> out = new ArrayList<>(entries.size());
        for (StreamMessage<byte[], byte[]> e : entries) {
            String id = e.getId();
            long seq = Long.parseLong(id.substring(0, id.indexOf('-')));
            // One field per entry ("m"); the map's keys are arrays, so take the value rather than look it up.
            byte[] body = e.getBody().values().iterator().next();
            out.add(MessageCodec.decode(room, seq, body));
        }
        return out;
    }

    static long asLong(Object o) {
        return ((Number) o).longValue();
    }

    static String str(byte[] b) {
        return MessageCodec.utf8(b);
    }
}
