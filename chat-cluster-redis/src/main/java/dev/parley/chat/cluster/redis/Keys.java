package dev.parley.chat.cluster.redis;

import java.nio.charset.StandardCharsets;

/**
 * The names of Parley's keys and channels in Redis (the layout is in {@code package-info}). Every
 * key of a room carries the room id as its hash tag, {@code {room}}, so that one script can touch
 * all of them on Redis Cluster.
 */
final class Keys {
    private final String prefix;

    Keys(String prefix) {
        if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException("keyPrefix was \"" + prefix + "\" but must not contain '{' or '}'");
        }
        this.prefix = prefix;
    }

    String prefix() {
        return prefix;
    }

    byte[] meta(String room) {
        return key(room, "meta");
    }

    byte[] log(String room) {
        return key(room, "log");
    }

    byte[] cids(String room) {
        return key(room, "cids");
    }

    byte[] cidOrder(String room) {
        return key(room, "cidorder");
    }

    byte[] readMarkers(String room) {
        return key(room, "read");
    }

    byte[] presenceEntries(String room) {
        return key(room, "pres");
    }

    byte[] presenceExpiry(String room) {
        return key(room, "pexp");
    }

    byte[] presenceCounts(String room) {
        return key(room, "pcount");
    }

    byte[] noticeChannel(String room) {
        return key(room, "notice");
    }

    /** The pattern that matches every room's notice channel. */
    byte[] noticePattern() {
        return utf8(prefix + "{*}:notice");
    }

    byte[] busChannel(String room) {
        return key(room, "bus");
    }

    /** The sorted set of every room id (in no room's slot: see {@link RedisMessageStore#create}). */
    byte[] rooms() {
        return utf8(prefix + "rooms");
    }

    /** The room of a room channel or key of this layout, or null if it is not one. */
    String roomOf(byte[] channel, String suffix) {
        String name = new String(channel, StandardCharsets.UTF_8);
        String head = prefix + "{";
        String tail = "}:" + suffix;
        if (!name.startsWith(head) || !name.endsWith(tail) || name.length() <= head.length() + tail.length()) {
            return null;
        }
        return name.substring(head.length(), name.length() - tail.length());
    }

    private byte[] key(String room, String suffix) {
        checkRoom(room);
        return utf8(prefix + "{" + room + "}:" + suffix);
    }

    /**
     * A room id with a brace would move the hash tag (Redis hashes what lies between the first
     * '{' and the next '}'), and PROTOCOL §2 allows neither, so such an id is refused.
     */
    static void checkRoom(String room) {
        if (room.isEmpty() || room.indexOf('{') >= 0 || room.indexOf('}') >= 0) {
            throw new IllegalArgumentException("room id \"" + room + "\" is empty or contains '{' or '}'");
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
