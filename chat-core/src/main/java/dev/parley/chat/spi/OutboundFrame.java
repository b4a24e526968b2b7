package dev.parley.chat.spi;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One encoded server frame (a JSON text), shared by every connection it is sent to: a message is
 * encoded once however many members receive it.
 *
 * <p>A transport that needs its own representation (the bytes of a complete WebSocket frame, say)
 * makes it once with {@link #prepared} and reuses it for every connection.
 *
 * <p><b>Thread safety.</b> Immutable apart from the cache of {@link #prepared}, which is safe to
 * use from many threads (at worst two threads prepare the same representation once each).
 */
public final class OutboundFrame {
    private final byte[] utf8;
    private volatile @Nullable String text;
    private volatile @Nullable Object preparedKey;
    private volatile @Nullable Object prepared;

    private OutboundFrame(byte[] utf8, @Nullable String text) {
        this.utf8 = utf8;
        this.text = text;
    }

    /** A frame of the given UTF-8 bytes, which the caller must not change afterwards. */
    public static OutboundFrame ofUtf8(byte[] utf8) {
        return new OutboundFrame(Objects.requireNonNull(utf8, "utf8"), null);
    }

    /** A frame of the given text. */
    public static OutboundFrame ofText(String text) {
        return new OutboundFrame(text.getBytes(StandardCharsets.UTF_8), text);
    }

    /** The frame as text. */
    public String text() {
        String t = text;
        if (t == null) {
            t = new String(utf8, StandardCharsets.UTF_8);
            text = t;
        }
        return t;
    }

    /** The frame's UTF-8 bytes as a read-only buffer of its own position and limit. */
    public ByteBuffer utf8() {
        return ByteBuffer.wrap(utf8).asReadOnlyBuffer();
    }

    /** The size of the frame's payload in bytes: what it costs a connection's outbound budget. */
    public int sizeBytes() {
        return utf8.length;
    }

    /**
     * A transport's own representation of this frame, made by {@code preparer} the first time it
     * is asked for with this {@code key} and cached afterwards. One representation is cached at a
     * time; a different key replaces it.
     *
     * @param key identifies the kind of representation (a transport uses one constant object)
     */
    @SuppressWarnings("unchecked")
    public <T> T prepared(Object key, Function<OutboundFrame, T> preparer) {
        Object value = prepared;
        if (value != null && preparedKey == key) {
            return (T) value;
        }
        T made = preparer.apply(this);
        prepared = null;
        preparedKey = key;
        prepared = made;
        return made;
    }

    @Override
    public String toString() {
        return text();
    }
}
