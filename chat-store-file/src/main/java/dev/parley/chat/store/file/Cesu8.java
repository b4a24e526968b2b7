package dev.parley.chat.store.file;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Strings as CESU-8: UTF-8 in which each UTF-16 unit is encoded alone, so any Java string,
 * including one with an unpaired surrogate (JSON allows {@code "\ud800"}), comes back exactly.
 * Standard UTF-8 would replace such a surrogate with {@code '?'}.
 */
final class Cesu8 {
    private Cesu8() {}

    static int length(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                bytes += c >= 0x800 ? 2 : 1;
            }
        }
        return bytes;
    }

    static void encode(String s, byte[] out, int pos) {
        int p = pos;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[p++] = (byte) c;
            } else if (c < 0x800) {
                out[p++] = (byte) (0xC0 | (c >> 6));
                out[p++] = (byte) (0x80 | (c & 0x3F));
            } else {
                out[p++] = (byte) (0xE0 | (c >> 12));
                out[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
    }

    static String decode(ByteBuffer b, int pos, int length) {
        boolean ascii = true;
        for (int i = pos, end = pos + length; i < end; i++) {
            if (b.get(i) < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            if (b.hasArray()) {
                return new String(b.array(), b.arrayOffset() + pos, length, StandardCharsets.ISO_8859_1);
            }
            byte[] raw = new byte[length];
            b.get(pos, raw);
            return new String(raw, StandardCharsets.ISO_8859_1);
        }
        char[] out = new char[length];
        int n = 0;
        int i = pos;
        int end = pos + length;
        while (i < end) {
            int c = b.get(i) & 0xFF;
            if (c < 0x80) {
                out[n++] = (char) c;
                i++;
            } else if ((c & 0xE0) == 0xC0 && i + 1 < end) {
                out[n++] = (char) (((c & 0x1F) << 6) | (b.get(i + 1) & 0x3F));
                i += 2;
            } else if ((c & 0xF0) == 0xE0 && i + 2 < end) {
                out[n++] = (char) (((c & 0x0F) << 12) | ((b.get(i + 1) & 0x3F) << 6) | (b.get(i + 2) & 0x3F));
                i += 3;
            } else {
                throw new IllegalStateException("malformed CESU-8 at byte " + (i - pos));
            }
        }
        return new String(out, 0, n);
    }
}
