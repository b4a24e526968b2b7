package dev.parley.chat.internal.room;

import dev.parley.chat.Message;
import dev.parley.chat.Subscription;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who hears of a stored message besides the members: the {@code ChatListener}s (with the room's
 * offline members), the room's in-JVM subscribers ({@code Room.subscribe}) and the server-wide
 * ones. What any of them throws is logged; the room goes on.
 */
final class RoomEvents {
    private static final Logger log = LoggerFactory.getLogger(RoomEvents.class);

    private final RoomContext ctx;
    private final List<Consumer<Message>> subscribers = new CopyOnWriteArrayList<>();

    RoomEvents(RoomContext ctx) {
        this.ctx = ctx;
    }

    Subscription subscribe(Consumer<Message> listener) {
        subscribers.add(listener);
        return () -> subscribers.remove(listener);
    }

    boolean hasSubscribers() {
        return !subscribers.isEmpty();
    }

    /** A message was stored and fanned out to the members. */
    void stored(Message message, Supplier<List<String>> offlineMembers) {
        if (!ctx.config().listeners().isEmpty()) {
            List<String> offline = offlineMembers.get();
            ctx.notifyListeners(l -> l.onMessage(message, offline));
        }
        for (Consumer<Message> subscriber : subscribers) {
            try {
                subscriber.accept(message);
            } catch (RuntimeException e) {
                log.error("room {}: a subscriber failed", ctx.room(), e);
            }
        }
        ctx.storedAnywhere(message);
    }
}
