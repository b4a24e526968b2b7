package dev.parley.chat.store.file;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The fixed headers and the small files of FORMAT.md: each starts with a 4-byte magic and a 2-byte
 * version and ends with a CRC32C of everything before it, so a torn or foreign file is recognised.
 */
final class SmallFiles {
    static final int VERSION = 1;
    static final int MAGIC_SEGMENT = magic("PRLS");
    static final int MAGIC_INDEX = magic("PRLI");
    static final int MAGIC_META = magic("PRLM");
    static final int MAGIC_CLEAN = magic("PRLC");
    static final int MAGIC_MARKERS = magic("PRLK");
    static final int MAGIC_START = magic("PRLT");
    static final int MAGIC_HIGH = magic("PRLH");
    static final int MAGIC_DAMAGE = magic("PRLD");
    /** Segment and index headers: magic, version, reserved, first seq, created ms, reserved, CRC. */
    static final int FILE_HEADER_BYTES = 32;

    private SmallFiles() {}

    static int magic(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII)).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    /** A writer of a small file's body; {@link #finish()} adds the CRC. */
    static final class Writer {
        private ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);

        Writer(int magic) {
            b.putInt(magic).putShort((short) VERSION).putShort((short) 0);
        }

        Writer putLong(long v) {
            ensure(8);
            b.putLong(v);
            return this;
        }

        Writer putString(String s) {
            int n = Cesu8.length(s);
            ensure(4 + n);
            b.putInt(n);
            Cesu8.encode(s, b.array(), b.position());
            b.position(b.position() + n);
            return this;
        }

        byte[] finish() {
            ensure(4);
            CRC32C crc = new CRC32C();
            crc.update(b.array(), 0, b.position());
            b.putInt((int) crc.getValue());
            return Arrays.copyOf(b.array(), b.position());
        }

        private void ensure(int n) {
            if (b.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + n))
                        .order(ByteOrder.LITTLE_ENDIAN);
                b.flip();
                bigger.put(b);
                b = bigger;
            }
        }
    }

    /** A reader of a small file, or null from {@link #open} when the magic, version or CRC is wrong. */
    static final class Reader {
        private final ByteBuffer b;

        private Reader(ByteBuffer b) {
            this.b = b;
        }

        static Reader open(byte[] bytes, int magic) {
            if (bytes.length < 12) {
                return null;
            }
            ByteBuffer b = ByteBuffer.wrap(bytes, 0, bytes.length - 4).order(ByteOrder.LITTLE_ENDIAN);
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, bytes.length - 4);
            int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if ((int) crc.getValue() != stored || b.getInt() != magic || b.getShort() != VERSION) {
                return null;
            }
            b.getShort();
            return new Reader(b);
        }

        long getLong() {
            return b.getLong();
        }

        String getString() {
            int n = b.getInt();
            if (n < 0 || n > b.remaining()) {
                throw new IllegalStateException("string of " + n + " bytes in a file of " + b.limit());
            }
            String s = Cesu8.decode(b, b.position(), n);
            b.position(b.position() + n);
            return s;
        }

        boolean hasMore() {
            return b.hasRemaining();
        }
    }

    /** A segment or index header. */
    static byte[] fileHeader(int magic, long firstSeq, long createdAt) {
        ByteBuffer b = ByteBuffer.allocate(FILE_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(magic).putShort((short) VERSION).putShort((short) 0).putLong(firstSeq).putLong(createdAt).putInt(0);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 28);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** Whether {@code header} is a valid segment or index header of {@code magic} for {@code firstSeq}. */
    static boolean isFileHeader(ByteBuffer header, int magic, long firstSeq) {
        if (header.remaining() < FILE_HEADER_BYTES) {
            return false;
        }
        ByteBuffer b = header.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int p = b.position();
        CRC32C crc = new CRC32C();
        ByteBuffer span = b.duplicate();
        span.limit(p + 28);
        crc.update(span);
        return b.getInt(p) == magic && b.getShort(p + 4) == VERSION && b.getLong(p + 8) == firstSeq
                && b.getInt(p + 28) == (int) crc.getValue();
    }
}
