package dev.parley.chat.transport.websocket;

import dev.parley.chat.spi.OutboundFrame;
import java.nio.ByteBuffer;

/**
 * Turns an {@link OutboundFrame} into the bytes of one complete, unmasked WebSocket text frame
 * (RFC 6455 §5.2).
 *
 * <p>A server never masks its frames, so these bytes are the same for every connection: they are
 * made once per frame (cached with {@link OutboundFrame#prepared}) and each connection queues a
 * read-only {@link ByteBuffer#duplicate() duplicate} with its own position. Java-WebSocket's own
 * {@code send(String)} would copy the payload into a new frame buffer for every connection.
 */
final class TextFrameEncoder {
    /** The key of our representation in {@link OutboundFrame#prepared}. */
    static final Object KEY = new Object();

    private static final byte FIN_TEXT = (byte) 0x81;

    private TextFrameEncoder() {}

    /** The cached frame bytes of {@code frame}, read-only, position 0; callers must duplicate. */
    static ByteBuffer prepared(OutboundFrame frame) {
        return frame.prepared(KEY, TextFrameEncoder::encode);
    }

    /** The payload size of an encoded frame of {@code frameBytes} bytes (the inverse of the header rule). */
    static int payloadBytes(int frameBytes) {
        if (frameBytes - 2 <= 125) {
            return frameBytes - 2;
        }
        return frameBytes - 4 <= 0xFFFF ? frameBytes - 4 : frameBytes - 10;
    }

    /** Encodes {@code frame} as one FIN text frame; the result is read-only. */
    static ByteBuffer encode(OutboundFrame frame) {
        ByteBuffer payload = frame.utf8();
        int length = payload.remaining();
        int header = length <= 125 ? 2 : length <= 0xFFFF ? 4 : 10;
        ByteBuffer out = ByteBuffer.allocate(header + length);
        out.put(FIN_TEXT);
        if (length <= 125) {
            out.put((byte) length);
        } else if (length <= 0xFFFF) {
            out.put((byte) 126);
            out.putShort((short) length);
        } else {
            out.put((byte) 127);
            out.putLong(length);
        }
        out.put(payload);
        out.flip();
        return out.asReadOnlyBuffer();
    }
}
