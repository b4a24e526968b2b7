package dev.parley.chat.internal.room;

import dev.parley.chat.ChatException;
import dev.parley.chat.ChatListener;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import dev.parley.chat.StoreException;
import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.UnicodeText;
import dev.parley.chat.spi.Ids;
import dev.parley.chat.spi.Sequenced;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one path of a publish, a client's or the server's ({@code Room.publish}): check it, let the
 * listeners refuse or rewrite it, hand it to the sequencer, and when the append completes (on the
 * mailbox, in seq order) feed the members and only then acknowledge it. The engine learns a
 * message's seq from the completed append; it never assumes it before.
 */
final class PublishPath {
    private static final Logger log = LoggerFactory.getLogger(PublishPath.class);

    private final RoomContext ctx;
    private final String id;
    private final RoomRecord record;
    private final CursorFeed feed;
    private final Consumer<MemberConnection> answered;
    /** The publishes in flight, by the connection that sent them; none for the server's. */
    private final Map<MemberConnection, Set<PendingPublish>> byAuthor = new HashMap<>();
    private final Set<PendingPublish> fromServer = Collections.newSetFromMap(new IdentityHashMap<>());

    /** @param answered told when a publish of a connection was answered, so its waiting commands run */
    PublishPath(RoomContext ctx, RoomRecord record, CursorFeed feed, Consumer<MemberConnection> answered) {
        this.ctx = ctx;
        this.id = ctx.room();
        this.record = record;
        this.feed = feed;
        this.answered = answered;
    }

    /** Whether the connection has publishes in flight in this room. */
    boolean publishing(MemberConnection member) {
        return byAuthor.containsKey(member);
    }

    boolean isEmpty() {
        return byAuthor.isEmpty() && fromServer.isEmpty();
    }

    /** A member's {@code publish} command. */
    void fromMember(MemberConnection author, Command.Publish publish) {
        if (!feed.isMember(author)) {
            author.error(publish.ref(), ErrorCode.NOT_IN_ROOM, "join the room before publishing", 0);
            return;
        }
        Message draft;
        try {
            draft = checkedDraft(author.user(), publish);
        } catch (ChatException e) {
            ctx.answer(author, publish.ref(), e);
            return;
        }
        append(PendingPublish.ofMember(draft, author, publish.ref()));
    }

    /** The server's {@code Room.publish}: the room is made if it does not exist. */
    void fromServer(String user, String body, @Nullable String cid, CompletableFuture<Message> outcome) {
        Message draft;
        try {
            record.loadOrCreate();
            draft = checkedDraft(user, new Command.Publish(null, id, body, cid, MessageKind.TEXT, 0, 0, null));
        } catch (ChatException e) {
            outcome.completeExceptionally(e);
            return;
        }
        append(PendingPublish.ofServer(draft, outcome));
    }

    /** Steps 5 and 6 of the order of checks, then the listeners; returns the draft to sequence. */
    private Message checkedDraft(String user, Command.Publish publish) {
        if (publish.target() > 0) {
            Message target = feed.find(publish.target());
            if (target == null || target.kind() != MessageKind.TEXT) {
                throw new ChatException(ErrorCode.NOT_FOUND, "target names no text message of this room");
            }
            boolean authorOnly = publish.kind() == MessageKind.EDIT || publish.kind() == MessageKind.DELETE;
            if (authorOnly && !target.user().equals(user)) {
                throw new ChatException(ErrorCode.FORBIDDEN, "only the author may edit or delete a message");
            }
        }
        if (publish.replyTo() > 0 && feed.find(publish.replyTo()) == null) {
            throw new ChatException(ErrorCode.NOT_FOUND, "replyTo names no message of this room");
        }
        long now = ctx.now();
        Message draft = new Message(id, 0, Ids.newMessageId(now), user, publish.body(), now, publish.kind(),
                publish.cid(), publish.target(), publish.replyTo(), publish.meta());
        for (ChatListener listener : ctx.config().listeners()) {
            Message rewritten;
            try {
                rewritten = ListenerCalls.onPublish(listener, draft, id);
            } catch (ChatException e) {
                throw e;
            } catch (RuntimeException e) {
                log.error("room {}: listener {} failed in onPublish", id, listener, e);
                throw new ChatException(ErrorCode.INTERNAL, "a server listener failed", e);
            }
            if (rewritten != null && rewritten != draft) {
                if (!isUnicode(rewritten.body()) || (rewritten.meta() != null && !isUnicode(rewritten.meta()))) {
                    log.error("room {}: listener {} rewrote a message into text that is not Unicode", id, listener);
                    throw new ChatException(ErrorCode.INTERNAL, "a server listener rewrote the message into invalid text");
                }
                draft = new Message(id, 0, draft.id(), user, rewritten.body(), draft.ts(), draft.kind(), draft.cid(),
                        draft.target(), draft.replyTo(), rewritten.meta());
            }
        }
        return draft;
    }

    /** Hands the publish to the sequencer; its completion comes back on the mailbox. */
    private void append(PendingPublish publish) {
        if (publish.author != null) {
            byAuthor.computeIfAbsent(publish.author, a -> Collections.newSetFromMap(new IdentityHashMap<>())).add(publish);
        } else {
            fromServer.add(publish);
        }
        ctx.publishes().started(publish);
        ctx.sequencer().append(publish.draft)
                .whenComplete((result, failure) -> ctx.onMailbox(() -> appendCompleted(publish, result, failure)));
    }

    private void appendCompleted(PendingPublish publish, @Nullable Sequenced result, @Nullable Throwable failure) {
        ctx.metrics().onStoreAppend(Duration.ofNanos(System.nanoTime() - publish.startedNanos), failure != null);
        try {
            untrack(publish);
            if (failure != null) {
                Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                log.warn("room {}: append failed: {}", id, cause.toString());
                publish.failed(cause instanceof ChatException
                        ? (ChatException) cause
                        : new StoreException("the store failed", cause));
                return;
            }
            if (!result.duplicate()) {
                ctx.metrics().onMessageStored(id);
                try {
                    feed.appended(result.message());
                } catch (RuntimeException e) {
                    // Isolation: whatever failed in the fan-out, the message is stored and is acknowledged.
                    log.error("room {}: delivering seq {} failed", id, result.message().seq(), e);
                }
            }
            // Acknowledged only now: the append completed and the members were fed first.
            publish.acknowledge(result);
        } finally {
            if (publish.author != null) {
                answered.accept(publish.author);
            }
            ctx.publishes().finished(publish);
        }
    }

    private void untrack(PendingPublish publish) {
        if (publish.author == null) {
            fromServer.remove(publish);
            return;
        }
        Set<PendingPublish> mine = byAuthor.get(publish.author);
        if (mine != null && mine.remove(publish) && mine.isEmpty()) {
            byAuthor.remove(publish.author);
        }
    }

    private static boolean isUnicode(String text) {
        return !UnicodeText.hasUnpairedSurrogate(text);
    }
}
