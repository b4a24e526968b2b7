package dev.parley.chat.cluster.redis;

import static dev.parley.chat.cluster.redis.Keys.utf8;

import dev.parley.chat.Member;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.StoreException;
import dev.parley.chat.spi.Presence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Presence} across the nodes of a cluster: an entry per user and node in each room, with an
 * expiry (on Redis's clock) that this node refreshes every third of {@link
 * RedisCluster.Builder#presenceTtl}. {@link #join} and {@link #leave} answer whether the user
 * appeared in or vanished from the room in the whole cluster, so a join or leave is announced once;
 * every call first sweeps the room's entries whose node stopped refreshing them (a dead node) and
 * reports those users in {@link Change#expired()}, so their leaves go out too.
 *
 * <p>A user with entries on several nodes is one member, with the status and {@code lastSeen} of
 * its most recent entry.
 *
 * <p><b>Thread safety.</b> Safe from any thread; calls block until Redis answers (never call them
 * on a Lettuce thread) and throw {@link StoreException} when it cannot.
 *
 * <p><b>Lifecycle.</b> Made by {@link RedisCluster#presence()}; lives as long as the cluster.
 */
public final class RedisPresence implements Presence {
    private static final Logger log = LoggerFactory.getLogger(RedisPresence.class);
    private final RedisCluster cluster;
    private final Keys keys;
    private final Link link;
    private final String nodeId;
    private final Duration ttl;
    /** The users this node holds in each room: what the refresh keeps alive. */
    private final Map<String, Set<String>> mine = new ConcurrentHashMap<>();

    /**
     * What a presence call changed in the whole cluster.
     *
     * @param changed for {@link #join}: the user appeared (it had no entry on any node); for {@link
     *     #leave}: the user vanished (this was its last entry); for {@link #sweep}: anyone expired
     * @param expired users whose last entry expired just now (their node stopped refreshing): announce
     *     their leave
     */
    public record Change(boolean changed, List<String> expired) {}

    RedisPresence(RedisCluster cluster, Keys keys, Link link, String nodeId, Duration ttl) {
        this.cluster = cluster;
        this.keys = keys;
        this.link = link;
        this.nodeId = nodeId;
        this.ttl = ttl;
    }

    /**
     * Records the member on this node (or updates its status) and answers whether the user appeared
     * in the room cluster-wide.
     *
     * @throws StoreException if Redis cannot be reached
     */
    public Change join(String room, Member member) {
        String value = member.status().name() + " " + member.lastSeen();
        Change c = run(room, "join", utf8("join"), utf8(member.user()), utf8(nodeId), utf8(value),
                utf8(Long.toString(ttl.toMillis())));
        mine.computeIfAbsent(room, r -> ConcurrentHashMap.newKeySet()).add(member.user());
        return c;
    }

    /**
     * Removes this node's entry of the user and answers whether the user vanished cluster-wide.
     *
     * @throws StoreException if Redis cannot be reached
     */
    public Change leave(String room, String user) {
        mine.computeIfPresent(room, (r, users) -> {
            users.remove(user);
            return users.isEmpty() ? null : users;
        });
        return run(room, "leave", utf8("leave"), utf8(user), utf8(nodeId));
    }

    /**
     * Removes the room's expired entries (of nodes that died) and reports the users who vanished;
     * the engine calls it for its open rooms, about once per expiry.
     *
     * @throws StoreException if Redis cannot be reached
     */
    public Change sweep(String room) {
        return run(room, "sweep", utf8("sweep"));
    }

    /**
     * Refreshes this node's entries now (the timer does it every third of the expiry) and answers,
     * per room, the users whose entry had already been swept (this node was paused past the expiry):
     * join them again and announce it.
     *
     * @throws StoreException if Redis cannot be reached
     */
    public Map<String, List<String>> refresh() {
        Map<String, List<String>> missing = new TreeMap<>();
        for (Map.Entry<String, Set<String>> e : mine.entrySet()) {
            List<byte[]> args = new ArrayList<>();
            args.add(utf8("refresh"));
            args.add(utf8(nodeId));
            args.add(utf8(Long.toString(ttl.toMillis())));
            for (String u : e.getValue()) {
                args.add(utf8(u));
            }
            List<Object> r = call(e.getKey(), "refresh presence", args.toArray(new byte[0][]));
            List<String> gone = strings(r.get(0));
            if (!gone.isEmpty()) {
                missing.put(e.getKey(), gone);
            }
        }
        return missing;
    }

    void refreshQuietly() {
        try {
            Map<String, List<String>> missing = refresh();
            if (!missing.isEmpty()) {
                log.warn("presence entries of this node had expired before their refresh: {}", missing);
            }
        } catch (StoreException e) {
            log.debug("presence refresh failed; the next one tries again", e);
        }
    }

    /** {@inheritDoc} Same as {@link #join}, without its answer. */
    @Override
    public void put(String room, Member member) {
        join(room, member);
    }

    /** {@inheritDoc} Same as {@link #leave}, without its answer. */
    @Override
    public void remove(String room, String user) {
        leave(room, user);
    }

    /**
     * {@inheritDoc} Across every node; entries past their expiry are not counted.
     *
     * @throws StoreException if Redis cannot be reached
     */
    @Override
    public List<Member> members(String room) {
        List<Object> flat = call(room, "read presence", utf8("members"));
        Map<String, Member> byUser = new TreeMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String field = RedisMessageStore.str((byte[]) flat.get(i));
            String[] value = RedisMessageStore.str((byte[]) flat.get(i + 1)).split(" ");
            String user = field.substring(0, field.indexOf('\n'));
            Member m = new Member(user, PresenceStatus.valueOf(value[0]), Long.parseLong(value[1]));
            byUser.merge(user, m, (a, b) -> a.lastSeen() >= b.lastSeen() ? a : b);
        }
        return new ArrayList<>(byUser.values());
    }

    /** {@inheritDoc} */
    @Override
    public int count(String room) {
        return members(room).size();
    }

    private Change run(String room, String what, byte[]... args) {
        List<Object> r = call(room, what + " presence", args);
        Object first = r.get(0);
        boolean changed = first instanceof Number ? ((Number) first).longValue() > 0 : !((List<?>) first).isEmpty();
        return new Change(changed, strings(r.get(1)));
    }

    private List<Object> call(String room, String what, byte[]... args) {
        if (cluster.isClosed()) {
            throw new StoreException("the Redis cluster is closed");
        }
        byte[][] k = {keys.presenceEntries(room), keys.presenceExpiry(room), keys.presenceCounts(room)};
        return link.await(link.<List<Object>>script(Link.Script.PRESENCE, k, args), what + " of " + room);
    }

    private static List<String> strings(Object list) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) list) {
            out.add(RedisMessageStore.str((byte[]) o));
        }
        return out;
    }
}
