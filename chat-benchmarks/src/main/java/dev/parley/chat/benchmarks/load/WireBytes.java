package dev.parley.chat.benchmarks.load;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The few pieces of RFC 6455 and of Parley's JSON that a load client needs, on byte arrays: the
 * upgrade request, masked client frames, a parser of the server's (unmasked) frames, and byte
 * searches that pick {@code seq} and the send time out of a {@code message} push without building
 * a String or a JSON tree. The client must cost far less than the server it measures.
 */
final class WireBytes {
    static final int OP_TEXT = 0x1;
    static final int OP_CLOSE = 0x8;
    static final int OP_PING = 0x9;
    static final int OP_PONG = 0xA;

    static final byte[] MESSAGE = ascii("{\"type\":\"message\"");
    static final byte[] JOINED = ascii("{\"type\":\"joined\"");
    static final byte[] PUBLISHED = ascii("{\"type\":\"published\"");
    static final byte[] ERROR = ascii("{\"type\":\"error\"");
    static final byte[] WELCOME = ascii("{\"type\":\"welcome\"");
    static final byte[] MESSAGES = ascii("\"messages\":[");
    static final byte[] RECOVERED_TRUE = ascii("\"recovered\":true");
    static final byte[] SEQ = ascii("\"seq\":");
    static final byte[] BODY = ascii("\"body\":\"");

    /** Digits of the send time at the start of every body: nanoseconds since {@link #ORIGIN}. */
    static final int TIME_DIGITS = 19;
    /** Send times are written relative to this, so they are never negative. */
    static final long ORIGIN = System.nanoTime();

    private WireBytes() {}

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Receives the complete frames found by {@link #drainFrames}. */
    interface FrameSink {
        /** One frame; its payload is {@code a[off, off + len)}, valid only during the call. */
        void onFrame(int opcode, byte[] a, int off, int len) throws IOException;
    }

    /** The HTTP request that opens a WebSocket on {@code path}. */
    static byte[] upgradeRequest(String host, int port, String path) {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        return ascii("GET " + path + " HTTP/1.1\r\n"
                + "Host: " + host + ":" + port + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n");
    }

    /** The index just past the blank line that ends an HTTP header in {@code a[from, to)}, or -1. */
    static int headerEnd(byte[] a, int from, int to) {
        for (int i = from; i + 3 < to; i++) {
            if (a[i] == '\r' && a[i + 1] == '\n' && a[i + 2] == '\r' && a[i + 3] == '\n') {
                return i + 4;
            }
        }
        return -1;
    }

    /** Whether the HTTP response starting at {@code off} accepts the upgrade. */
    static boolean switchingProtocols(byte[] a, int off, int end) {
        byte[] ok = ascii("HTTP/1.1 101");
        return end - off >= ok.length && startsWith(a, off, end - off, ok);
    }

    /** How many bytes {@link #putMasked} writes for a payload of {@code len} bytes. */
    static int maskedSize(int len) {
        return (len <= 125 ? 2 : len <= 0xFFFF ? 4 : 10) + 4 + len;
    }

    /**
     * Appends one FIN frame of {@code opcode}, masked as a client must (RFC 6455 §5.3).
     * {@code out} must have {@link #maskedSize} bytes left.
     */
    static void putMasked(ByteBuffer out, int opcode, byte[] payload, int off, int len) {
        out.put((byte) (0x80 | opcode));
        if (len <= 125) {
            out.put((byte) (0x80 | len));
        } else if (len <= 0xFFFF) {
            out.put((byte) (0x80 | 126));
            out.putShort((short) len);
        } else {
            out.put((byte) (0x80 | 127));
            out.putLong(len);
        }
        int mask = ThreadLocalRandom.current().nextInt();
        out.putInt(mask);
        for (int i = 0; i < len; i++) {
            out.put((byte) (payload[off + i] ^ (mask >>> (24 - 8 * (i & 3)))));
        }
    }

    /**
     * Hands every complete frame between {@code in}'s position and limit to {@code sink} and moves
     * the position past them. {@code in} must be a heap buffer. Server frames are never masked or
     * fragmented by the servers we measure; a masked one is still skipped correctly.
     *
     * @return 0, or the capacity {@code in} needs to hold the incomplete frame at its position
     */
    static int drainFrames(ByteBuffer in, FrameSink sink) throws IOException {
        byte[] a = in.array();
        int base = in.arrayOffset();
        int p = base + in.position();
        int end = base + in.limit();
        int need = 0;
        while (end - p >= 2) {
            int b0 = a[p] & 0xFF;
            int b1 = a[p + 1] & 0xFF;
            long len = b1 & 0x7F;
            int header = 2;
            if (len == 126) {
                if (end - p < 4) {
                    break;
                }
                len = ((a[p + 2] & 0xFF) << 8) | (a[p + 3] & 0xFF);
                header = 4;
            } else if (len == 127) {
                if (end - p < 10) {
                    break;
                }
                len = 0;
                for (int i = 2; i < 10; i++) {
                    len = (len << 8) | (a[p + i] & 0xFF);
                }
                header = 10;
            }
            if ((b1 & 0x80) != 0) {
                header += 4;
            }
            if (len > (1 << 26)) {
                throw new IOException("frame of " + len + " bytes");
            }
            int total = header + (int) len;
            if (end - p < total) {
                need = total;
                break;
            }
            sink.onFrame(b0 & 0x0F, a, p + header, (int) len);
            p += total;
        }
        in.position(p - base);
        return need > in.capacity() ? need : 0;
    }

    /** {@code in} after a drain: the unread bytes moved to the front, grown to {@code need} if asked. */
    static ByteBuffer compact(ByteBuffer in, int need) {
        if (need == 0) {
            return in.compact();
        }
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(need, in.capacity() * 2));
        bigger.put(in);
        return bigger;
    }

    static boolean startsWith(byte[] a, int off, int len, byte[] prefix) {
        if (len < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (a[off + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** The index just past the first {@code key} in {@code a[from, to)}, or -1. */
    static int after(byte[] a, int from, int to, byte[] key) {
        byte first = key[0];
        outer:
        for (int i = from; i <= to - key.length; i++) {
            if (a[i] != first) {
                continue;
            }
            for (int k = 1; k < key.length; k++) {
                if (a[i + k] != key[k]) {
                    continue outer;
                }
            }
            return i + key.length;
        }
        return -1;
    }

    /** The non-negative decimal number that starts at {@code at}, or -1 if none does. */
    static long digits(byte[] a, int at, int to) {
        if (at < 0 || at >= to || a[at] < '0' || a[at] > '9') {
            return -1;
        }
        long v = 0;
        for (int i = at; i < to && a[i] >= '0' && a[i] <= '9'; i++) {
            v = v * 10 + (a[i] - '0');
        }
        return v;
    }

    /** The number after the first {@code key} in {@code a[off, off + len)}, or -1. */
    static long numberAfter(byte[] a, int off, int len, byte[] key) {
        return digits(a, after(a, off, off + len, key), off + len);
    }

    /**
     * A body of {@code bodyBytes} ASCII bytes that starts with {@code sendNanos} (relative to
     * {@link #ORIGIN}) in {@link #TIME_DIGITS} digits, written into {@code dst} at {@code at}.
     */
    static void putBody(byte[] dst, int at, int bodyBytes, long sendNanos) {
        long v = sendNanos - ORIGIN;
        for (int i = TIME_DIGITS - 1; i >= 0; i--) {
            dst[at + i] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        for (int i = TIME_DIGITS; i < bodyBytes; i++) {
            dst[at + i] = 'x';
        }
    }

    /** The send time a body written by {@link #putBody} carries, or -1. */
    static long sendNanos(byte[] a, int off, int len) {
        long v = numberAfter(a, off, len, BODY);
        return v < 0 ? -1 : v + ORIGIN;
    }
}
