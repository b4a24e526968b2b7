package dev.parley.chat.store.file;

import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The record framing and message encoding of FORMAT.md: {@code [length u32][crc32c u32][seq
 * u64][payload]}, little-endian, the CRC over seq and payload.
 */
final class Records {
    static final int HEADER_BYTES = 16;
    /** Larger lengths are garbage: no message comes near it (frames are capped far lower). */
    static final int MAX_PAYLOAD_BYTES = 16 << 20;

    private static final int FLAG_CID = 1;
    private static final int FLAG_META = 2;
    private static final int FIXED_PAYLOAD = 8 + 8 + 8 + 1 + 1 + 4 + 4 + 4;

    private Records() {}

    /** One whole framed record of {@code message}, ready to append. */
    static byte[] encode(Message m) {
        String cid = m.cid();
        String meta = m.meta();
        int payload = FIXED_PAYLOAD + Cesu8.length(m.id()) + Cesu8.length(m.user()) + Cesu8.length(m.body());
        if (cid != null) {
            payload += 4 + Cesu8.length(cid);
        }
        if (meta != null) {
            payload += 4 + Cesu8.length(meta);
        }
        if (payload > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("message of " + payload + " bytes exceeds " + MAX_PAYLOAD_BYTES);
        }
        byte[] out = new byte[HEADER_BYTES + payload];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, payload);
        b.putLong(8, m.seq());
        b.position(HEADER_BYTES);
        b.putLong(m.ts()).putLong(m.target()).putLong(m.replyTo());
        b.put(kindCode(m.kind()));
        b.put((byte) ((cid != null ? FLAG_CID : 0) | (meta != null ? FLAG_META : 0)));
        putString(b, m.id());
        putString(b, m.user());
        putString(b, m.body());
        if (cid != null) {
            putString(b, cid);
        }
        if (meta != null) {
            putString(b, meta);
        }
        CRC32C crc = new CRC32C();
        crc.update(out, 8, out.length - 8);
        b.putInt(4, (int) crc.getValue());
        return out;
    }

    /**
     * The total size of the valid record at {@code pos} whose seq is {@code expectedSeq} (any seq
     * if negative), or -1 if the bytes there are not such a record.
     */
    static int validAt(ByteBuffer buf, int pos, long expectedSeq) {
        if (buf.limit() - pos < HEADER_BYTES) {
            return -1;
        }
        int length = buf.getInt(pos);
        if (length < FIXED_PAYLOAD || length > MAX_PAYLOAD_BYTES || length > buf.limit() - pos - HEADER_BYTES) {
            return -1;
        }
        long seq = buf.getLong(pos + 8);
        if (expectedSeq >= 0 ? seq != expectedSeq : seq < 1) {
            return -1;
        }
        CRC32C crc = new CRC32C();
        ByteBuffer span = buf.duplicate();
        span.limit(pos + HEADER_BYTES + length).position(pos + 8);
        crc.update(span);
        if ((int) crc.getValue() != buf.getInt(pos + 4)) {
            return -1;
        }
        return HEADER_BYTES + length;
    }

    /** The seq field of the record at {@code pos}, which {@link #validAt} accepted. */
    static long seqAt(ByteBuffer buf, int pos) {
        return buf.getLong(pos + 8);
    }

    /** Decodes the record at {@code pos}, which {@link #validAt} accepted. */
    static Message decode(String room, ByteBuffer buf, int pos) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long seq = b.getLong(pos + 8);
        b.position(pos + HEADER_BYTES);
        long ts = b.getLong();
        long target = b.getLong();
        long replyTo = b.getLong();
        MessageKind kind = kindOf(b.get());
        int flags = b.get();
        String id = getString(b);
        String user = getString(b);
        String body = getString(b);
        String cid = (flags & FLAG_CID) != 0 ? getString(b) : null;
        String meta = (flags & FLAG_META) != 0 ? getString(b) : null;
        return new Message(room, seq, id, user, body, ts, kind, cid, target, replyTo, meta);
    }

    private static void putString(ByteBuffer b, String s) {
        int n = Cesu8.length(s);
        b.putInt(n);
        Cesu8.encode(s, b.array(), b.position());
        b.position(b.position() + n);
    }

    private static String getString(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) {
            throw new IllegalStateException("string length " + n + " exceeds the record");
        }
        String s = Cesu8.decode(b, b.position(), n);
        b.position(b.position() + n);
        return s;
    }

    private static byte kindCode(MessageKind kind) {
        switch (kind) {
            case TEXT:
                return 0;
            case EDIT:
                return 1;
            case DELETE:
                return 2;
            case REACT:
                return 3;
            case UNREACT:
                return 4;
            default:
                throw new IllegalArgumentException("no code for kind " + kind);
        }
    }

    private static MessageKind kindOf(byte code) {
        switch (code) {
            case 0:
                return MessageKind.TEXT;
            case 1:
                return MessageKind.EDIT;
            case 2:
                return MessageKind.DELETE;
            case 3:
                return MessageKind.REACT;
            case 4:
                return MessageKind.UNREACT;
            default:
                throw new IllegalStateException("unknown kind code " + code);
        }
    }
}
