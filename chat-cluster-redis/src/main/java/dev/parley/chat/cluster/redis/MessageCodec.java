package dev.parley.chat.cluster.redis;

import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A message as Redis holds it, without room and seq (the key and the stream id carry those):
 * version byte 1, then id, user, body (strings), ts (long), kind (string), cid (nullable string),
 * target, replyTo (longs), meta (nullable string). A string is its byte length as a big-endian int
 * ({@code -1} for null) and its WTF-8 bytes: UTF-8, except that an unpaired surrogate is written as
 * its own three-byte sequence, so every Java string (the store keeps what it is given, PITFALLS
 * "Jackson") comes back unchanged.
 */
final class MessageCodec {
    private static final int VERSION = 1;

    private MessageCodec() {}

    static byte[] encode(Message m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + m.body().length() * 2);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            string(out, m.id());
            string(out, m.user());
            string(out, m.body());
            out.writeLong(m.ts());
            string(out, m.kind().name());
            string(out, m.cid());
            out.writeLong(m.target());
            out.writeLong(m.replyTo());
            string(out, m.meta());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    /**
     * @throws IllegalStateException if the bytes are not a message of this format
     */
    static Message decode(String room, long seq, byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(encoded))) {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IllegalStateException("message " + room + "/" + seq + " has format version " + version);
            }
            String id = required(in);
            String user = required(in);
            String body = required(in);
            long ts = in.readLong();
            MessageKind kind = MessageKind.valueOf(required(in));
            String cid = string(in);
            long target = in.readLong();
            long replyTo = in.readLong();
            String meta = string(in);
            return new Message(room, seq, id, user, body, ts, kind, cid, target, replyTo, meta);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("message " + room + "/" + seq + " in Redis cannot be decoded: " + e, e);
        }
    }

    private static void string(DataOutputStream out, @Nullable String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = wtf8(s);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String required(DataInputStream in) throws IOException {
        String s = string(in);
        if (s == null) {
            throw new IOException("a required field is null");
        }
        return s;
    }

    private static @Nullable String string(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > in.available()) {
            throw new IOException("string length " + length + " does not fit");
        }
        byte[] b = new byte[length];
        in.readFully(b);
        return fromWtf8(b);
    }

    /** UTF-8, with each unpaired surrogate as the three bytes of its value. */
    static byte[] wtf8(String s) {
        byte[] out = new byte[s.length() * 3];
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[n++] = (byte) (0xF0 | (cp >> 18));
                out[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                out[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[n++] = (byte) (0x80 | (cp & 0x3F));
            } else if (c < 0x80) {
                out[n++] = (byte) c;
            } else if (c < 0x800) {
                out[n++] = (byte) (0xC0 | (c >> 6));
                out[n++] = (byte) (0x80 | (c & 0x3F));
            } else {
                out[n++] = (byte) (0xE0 | (c >> 12));
                out[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[n++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * @throws IOException if the bytes are not WTF-8
     */
    static String fromWtf8(byte[] b) throws IOException {
        StringBuilder out = new StringBuilder(b.length);
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                out.append((char) c);
                i += 1;
            } else if ((c & 0xE0) == 0xC0) {
                out.append((char) (((c & 0x1F) << 6) | cont(b, i + 1)));
                i += 2;
            } else if ((c & 0xF0) == 0xE0) {
                out.append((char) (((c & 0x0F) << 12) | (cont(b, i + 1) << 6) | cont(b, i + 2)));
                i += 3;
            } else if ((c & 0xF8) == 0xF0) {
                int cp = ((c & 0x07) << 18) | (cont(b, i + 1) << 12) | (cont(b, i + 2) << 6) | cont(b, i + 3);
                if (cp < 0x10000 || cp > Character.MAX_CODE_POINT) {
                    throw new IOException("bad code point " + cp);
                }
                out.appendCodePoint(cp);
                i += 4;
            } else {
                throw new IOException("bad lead byte " + c + " at " + i);
            }
        }
        return out.toString();
    }

    private static int cont(byte[] b, int i) throws IOException {
        if (i >= b.length || (b[i] & 0xC0) != 0x80) {
            throw new IOException("truncated or bad continuation byte at " + i);
        }
        return b[i] & 0x3F;
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
