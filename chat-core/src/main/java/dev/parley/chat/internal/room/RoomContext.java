package dev.parley.chat.internal.room;

import dev.parley.chat.ChatException;
import dev.parley.chat.ChatListener;
import dev.parley.chat.ChatMetrics;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.Scheduler;
import dev.parley.chat.internal.EngineConfig;
import dev.parley.chat.protocol.Ref;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.Presence;
import dev.parley.chat.spi.Sequencer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one room's parts are given: the room's id and mailbox, and the engine's shared services
 * (clock, scheduler, options, store, sequencer, presence, metrics, listeners). Never the engine
 * or a session: a room reaches the rest of the server only through this and {@link
 * MemberConnection}.
 */
final class RoomContext {
    private static final Logger log = LoggerFactory.getLogger(RoomContext.class);

    private final String room;
    private final Executor mailbox;
    private final RoomServices services;

    RoomContext(String room, Executor mailbox, RoomServices services) {
        this.room = room;
        this.mailbox = mailbox;
        this.services = services;
    }

    String room() {
        return room;
    }

    EngineConfig config() {
        return services.config();
    }

    MessageStore store() {
        return services.config().store();
    }

    Sequencer sequencer() {
        return services.config().sequencer();
    }

    Presence presence() {
        return services.config().presence();
    }

    ChatMetrics metrics() {
        return services.metrics();
    }

    PublishesInFlight publishes() {
        return services.publishes();
    }

    /** The engine's clock, in milliseconds. */
    long now() {
        return services.config().clock().millis();
    }

    /** Runs a continuation of the room's own work (a completed append, a timer) on its mailbox. */
    void onMailbox(Runnable task) {
        mailbox.execute(task);
    }

    /**
     * Runs {@code task} on the room's mailbox once the engine's clock reaches {@code deadlineMillis}
     * (at once if it has). Every room timer goes through here.
     */
    Scheduler.Timer at(long deadlineMillis, Runnable task) {
        return services.config().scheduler().schedule(() -> onMailbox(task), Math.max(0, deadlineMillis - now()));
    }

    /** The room's members as presence records them, with the live status this node knows. */
    List<Member> members() {
        List<Member> out = new ArrayList<>();
        for (Member m : presence().members(room)) {
            out.add(services.users().live(m));
        }
        return out;
    }

    /** The member record of a user who is here now. */
    Member memberOf(String user) {
        return services.users().memberOf(user, now());
    }

    PresenceStatus statusOf(String user) {
        return services.users().statusOf(user);
    }

    /** Hands a stored message to the server-wide subscribers ({@code ChatServer.subscribeAll}). */
    void storedAnywhere(Message message) {
        services.storedAnywhere().accept(message);
    }

    /** Calls every listener; what one throws is logged and the others still run. */
    void notifyListeners(Consumer<ChatListener> call) {
        for (ChatListener listener : config().listeners()) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                log.error("room {}: listener {} failed", room, listener, e);
            }
        }
    }

    /** Answers a command that failed with {@code e}; failures of the server are logged. */
    void answer(MemberConnection member, @Nullable Ref ref, ChatException e) {
        if (e.code() == ErrorCode.UNAVAILABLE || e.code() == ErrorCode.INTERNAL) {
            log.warn("room {}: {}", room, e.toString());
        }
        member.error(ref, e.code(), e.getMessage(), 0);
    }
}
