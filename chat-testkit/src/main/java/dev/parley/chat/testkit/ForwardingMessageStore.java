package dev.parley.chat.testkit;

import dev.parley.chat.Message;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.RoomInfo;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link MessageStore} that passes every call to another one: the start of a store for a test
 * that fails, delays or reorders some calls and leaves the rest alone. Override only what the
 * test changes.
 *
 * <p><b>Thread safety.</b> As the delegate's.
 *
 * <p><b>Lifecycle.</b> {@link #close()} closes the delegate; override it to keep a store shared
 * between servers open.
 */
public abstract class ForwardingMessageStore implements MessageStore {
    /** The store every call goes to unless overridden. */
    protected final MessageStore delegate;

    /** A store forwarding to {@code delegate}. */
    protected ForwardingMessageStore(MessageStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public Optional<RoomInfo> room(String room) {
        return delegate.room(room);
    }

    @Override
    public Optional<RoomInfo> create(String room, String topic, long createdAt) {
        return delegate.create(room, topic, createdAt);
    }

    @Override
    public CompletableFuture<Void> append(Message message) {
        return delegate.append(message);
    }

    @Override
    public List<Message> readAfter(String room, long afterSeq, int limit) {
        return delegate.readAfter(room, afterSeq, limit);
    }

    @Override
    public List<Message> readBefore(String room, long beforeSeq, int limit) {
        return delegate.readBefore(room, beforeSeq, limit);
    }

    @Override
    public long readMarker(String room, String user) {
        return delegate.readMarker(room, user);
    }

    @Override
    public long moveReadMarker(String room, String user, long seq) {
        return delegate.moveReadMarker(room, user, seq);
    }

    @Override
    public List<RoomInfo> rooms() {
        return delegate.rooms();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
