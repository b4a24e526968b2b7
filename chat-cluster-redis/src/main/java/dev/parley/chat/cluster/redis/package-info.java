/**
 * Several Parley nodes sharing rooms through Redis: {@link dev.parley.chat.cluster.redis.RedisCluster}
 * gives one node's {@link dev.parley.chat.cluster.redis.RedisSequencer}, {@link
 * dev.parley.chat.cluster.redis.RedisMessageStore}, {@link dev.parley.chat.cluster.redis.RedisPresence}
 * and {@link dev.parley.chat.cluster.redis.RedisRoomBus}.
 *
 * <h2>Keys</h2>
 *
 * <p>{@code P} is the key prefix ({@code parley:} by default). Every key of room {@code R} carries
 * {@code {R}} as its hash tag, so a script touching them runs on Redis Cluster too.
 *
 * <table>
 *   <caption>Keys and channels</caption>
 *   <tr><th>key</th><th>type</th><th>holds</th></tr>
 *   <tr><td>{@code P{R}:meta}</td><td>hash</td><td>{@code epoch}, {@code topic}, {@code created}
 *       (epoch ms), {@code seq} (last seq, {@code HINCRBY} by the append script), {@code first}
 *       (lowest seq retained, 0 while empty)</td></tr>
 *   <tr><td>{@code P{R}:log}</td><td>stream</td><td>one entry per message, id {@code <seq>-0},
 *       one field {@code m}: the message without room and seq (below); trimmed to the retention
 *       with {@code MAXLEN}</td></tr>
 *   <tr><td>{@code P{R}:cids}</td><td>hash</td><td>{@code user\ncid} → {@code "seq id ts"} of
 *       the messages in the dedupe window</td></tr>
 *   <tr><td>{@code P{R}:cidorder}</td><td>sorted set</td><td>the same {@code user\ncid} scored by
 *       seq: what leaves the window is removed from both</td></tr>
 *   <tr><td>{@code P{R}:read}</td><td>hash</td><td>user → read marker (only moves forward)</td></tr>
 *   <tr><td>{@code P{R}:pres}</td><td>hash</td><td>{@code user\nnode} → {@code "STATUS lastSeen"}</td></tr>
 *   <tr><td>{@code P{R}:pexp}</td><td>sorted set</td><td>{@code user\nnode} scored by its expiry
 *       (ms on Redis's clock)</td></tr>
 *   <tr><td>{@code P{R}:pcount}</td><td>hash</td><td>user → how many nodes hold an entry</td></tr>
 *   <tr><td>{@code Prooms}</td><td>sorted set</td><td>every room id, score 0 (so sorted by bytes);
 *       in no room's slot, written before the room's {@code meta}</td></tr>
 *   <tr><td>{@code P{R}:notice}</td><td>channel</td><td>one notice per append: {@code "<seq>
 *       <epoch> <node>\n"} then the encoded message</td></tr>
 *   <tr><td>{@code P{R}:bus}</td><td>channel</td><td>room bus events: {@code "<node>\n"} then the
 *       payload (UTF-8)</td></tr>
 * </table>
 *
 * <h2>Encoded message</h2>
 *
 * <p>Version byte {@code 1}; then id, user, body (strings); ts (8-byte big-endian long); kind
 * (string, the {@code MessageKind} name); cid (string or null); target, replyTo (longs); meta
 * (string or null). A string is a 4-byte big-endian byte length ({@code -1} for null) and its
 * WTF-8 bytes: UTF-8, with an unpaired surrogate written as its own three-byte sequence.
 *
 * <h2>Scripts</h2>
 *
 * <p>{@code append.lua} (check the room, answer a known cid with its original, check an expected
 * seq; then {@code HINCRBY}, {@code XADD MAXLEN}, move {@code first}, remember the cid and forget
 * the one leaving the window, {@code PUBLISH}), {@code create.lua}, {@code read-marker.lua} and
 * {@code presence.lua}; loaded once with {@code SCRIPT LOAD}, run by {@code EVALSHA}, sent again by
 * {@code EVAL} when Redis answers {@code NOSCRIPT}.
 */
package dev.parley.chat.cluster.redis;
