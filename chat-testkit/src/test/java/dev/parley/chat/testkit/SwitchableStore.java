package dev.parley.chat.testkit;

import dev.parley.chat.Message;
import dev.parley.chat.spi.MessageStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An in-memory store that a test can take down: while {@link #down} its appends fail (with a
 * failed future, or by throwing when {@link #throwing}), and while {@link #readsThrow} its reads
 * throw. Everything else goes to the in-memory store.
 */
public final class SwitchableStore extends ForwardingMessageStore {
    /** Appends fail while set. */
    public volatile boolean down;
    /** A failing append throws instead of returning a failed future. */
    public volatile boolean throwing;
    /** Reads of messages throw while set. */
    public volatile boolean readsThrow;

    /** A store over a fresh in-memory one. */
    public SwitchableStore() {
        super(MessageStore.inMemory());
    }

    @Override
    public CompletableFuture<Void> append(Message message) {
        if (down) {
            UncheckedIOException failure = new UncheckedIOException(new IOException("disk on fire (planted)"));
            if (throwing) {
                throw failure;
            }
            return CompletableFuture.failedFuture(failure);
        }
        return delegate.append(message);
    }

    @Override
    public List<Message> readAfter(String room, long afterSeq, int limit) {
        checkReads();
        return delegate.readAfter(room, afterSeq, limit);
    }

    @Override
    public List<Message> readBefore(String room, long beforeSeq, int limit) {
        checkReads();
        return delegate.readBefore(room, beforeSeq, limit);
    }

    private void checkReads() {
        if (readsThrow) {
            throw new UncheckedIOException(new IOException("cannot read (planted)"));
        }
    }

}
