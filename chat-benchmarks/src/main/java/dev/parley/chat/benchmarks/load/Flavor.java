package dev.parley.chat.benchmarks.load;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a load client says to a server, for each kind of server measured.
 *
 * <p>{@link #PARLEY} speaks PROTOCOL.md: {@code hello}, {@code join}, {@code publish}; the publisher's
 * acknowledgement is the {@code published} reply. {@link #RAW} speaks nothing: the bare broadcast
 * server relays each text to every connection, so the publisher sends the very {@code message}
 * push a Parley server would send (same fields, same id length, the seq the publisher numbers),
 * subscribers receive frames of the same size and parse them the same way, and the publisher's
 * acknowledgement is its own copy of the broadcast.
 */
enum Flavor {
    PARLEY {
        @Override
        List<byte[]> login(String user, String room, long since) {
            byte[] hello = utf8("{\"type\":\"hello\",\"v\":1,\"user\":\"" + user + "\"}");
            if (room == null) {
                return List.of(hello);
            }
            return List.of(hello, utf8(since >= 0
                    ? "{\"type\":\"join\",\"room\":\"" + room + "\",\"since\":" + since + "}"
                    : "{\"type\":\"join\",\"room\":\"" + room + "\",\"recent\":0}"));
        }

        @Override
        byte[] ackPrefix() {
            return WireBytes.PUBLISHED;
        }

        @Override
        int maxPublishBytes(String room, int bodyBytes) {
            return publishHead(room).length + bodyBytes + 2;
        }

        @Override
        int writePublish(byte[] dst, String room, String user, int bodyBytes, long seq, long sendNanos,
                long epochMillis) {
            byte[] head = publishHead(room);
            System.arraycopy(head, 0, dst, 0, head.length);
            WireBytes.putBody(dst, head.length, bodyBytes, sendNanos);
            int p = head.length + bodyBytes;
            dst[p++] = '"';
            dst[p++] = '}';
            return p;
        }

        private byte[] publishHead(String room) {
            return utf8("{\"type\":\"publish\",\"room\":\"" + room + "\",\"body\":\"");
        }
    },

    RAW {
        /** Same length as Parley's message ids ({@code "m-"} and 22 base-36 digits). */
        private static final String ID = "m-0000000000000000000000";

        @Override
        List<byte[]> login(String user, String room, long since) {
            return List.of();
        }

        @Override
        byte[] ackPrefix() {
            return WireBytes.MESSAGE;
        }

        @Override
        int maxPublishBytes(String room, int bodyBytes) {
            return head(room).length + 20 + middle(MAX_USER).length + bodyBytes + 40;
        }

        @Override
        int writePublish(byte[] dst, String room, String user, int bodyBytes, long seq, long sendNanos,
                long epochMillis) {
            // The fields and their order are those of ServerFrames.message, so the broadcast frame
            // is as long as the push Parley sends for the same body.
            byte[] head = head(room);
            System.arraycopy(head, 0, dst, 0, head.length);
            int p = head.length;
            p = putDecimal(dst, p, seq);
            byte[] middle = middle(user);
            System.arraycopy(middle, 0, dst, p, middle.length);
            p += middle.length;
            WireBytes.putBody(dst, p, bodyBytes, sendNanos);
            p += bodyBytes;
            byte[] ts = utf8("\",\"ts\":");
            System.arraycopy(ts, 0, dst, p, ts.length);
            p += ts.length;
            p = putDecimal(dst, p, epochMillis);
            byte[] tail = utf8(",\"kind\":\"text\"}");
            System.arraycopy(tail, 0, dst, p, tail.length);
            return p + tail.length;
        }

        private byte[] head(String room) {
            return utf8("{\"type\":\"message\",\"room\":\"" + room + "\",\"seq\":");
        }

        private byte[] middle(String user) {
            return utf8(",\"id\":\"" + ID + "\",\"user\":\"" + user + "\",\"body\":\"");
        }
    };

    /** The longest user name a publisher may have ({@link #publisherName}). */
    static final String MAX_USER = "publisher-00000";

    /**
     * The user name of publishing connection {@code index}: all of the same length for fewer than
     * 10 publishers, so the frames of a run are all as long as each other on every server.
     */
    static String publisherName(int index) {
        if (index < 0 || index > 99_999) {
            throw new IllegalArgumentException("publisher index was " + index + " but must be in [0, 99999]");
        }
        return "publisher-" + index;
    }

    /**
     * The frames a connection sends after the WebSocket handshake. With a {@code room}, they make it
     * a member (resuming after {@code since} when that is at least 0); without one ({@code null}),
     * they only log it in ({@code hello}), as an idle connection.
     */
    abstract List<byte[]> login(String user, String room, long since);

    /** The start of the frame that acknowledges one publish to the publisher. */
    abstract byte[] ackPrefix();

    /** An upper bound of {@link #writePublish}'s length. */
    abstract int maxPublishBytes(String room, int bodyBytes);

    /**
     * Writes the text of one publish by {@code user} into {@code dst}; returns its length. The body
     * starts with {@code sendNanos} (see {@link WireBytes#putBody}); {@code seq} is used where the
     * client numbers messages itself.
     */
    abstract int writePublish(byte[] dst, String room, String user, int bodyBytes, long seq, long sendNanos,
            long epochMillis);

    /**
     * How many independent seq streams subscribers must check in a room with {@code publishers}
     * publishers: Parley numbers a room's messages itself (one stream); the broadcast servers relay
     * what each publisher numbered ({@link Publisher}: stream {@code seq % publishers}, number
     * {@code seq / publishers}).
     */
    int streams(int publishers) {
        return this == PARLEY ? 1 : publishers;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int putDecimal(byte[] dst, int at, long value) {
        String s = Long.toString(value);
        for (int i = 0; i < s.length(); i++) {
            dst[at + i] = (byte) s.charAt(i);
        }
        return at + s.length();
    }
}
