package dev.parley.chat.client;

import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.Ref;
import dev.parley.chat.protocol.ServerFrame;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A command the client sent, or will send, and whose outcome someone awaits. Confined to the
 * loop once made, apart from the futures, which are completed on the callback executor.
 */
sealed interface Pending {

    /**
     * A publish, kept until the server acknowledges it: its {@code cid} stays the same through
     * every resend, so the server stores it once whatever happens to the connections.
     */
    final class Publish implements Pending {
        final long order;
        final String room;
        final MessageDraft draft;
        final @Nullable String compactMeta;
        final String cid;
        final CompletableFuture<PublishedMessage> future = new CompletableFuture<>();
        /** Not resent before this time (after {@code UNAVAILABLE}); compared with nanoTime. */
        long notBeforeNanos;
        boolean hasNotBefore;
        int retries;
        /** Whether the loop completed or failed its future already (futures complete later, elsewhere). */
        boolean settled;
        /** Failed by the publish timeout: never resent, whatever the server answers later. */
        boolean timedOut;

        Publish(long order, String room, MessageDraft draft, @Nullable String compactMeta, String cid) {
            this.order = order;
            this.room = room;
            this.draft = draft;
            this.compactMeta = compactMeta;
            this.cid = cid;
        }

        Command.Publish command(long ref) {
            return new Command.Publish(AwaitedReplies.wire(ref), room, draft.body(), cid, draft.kind(),
                    draft.target(), draft.replyTo(), compactMeta);
        }
    }

    /** A request with one reply: history, members, rooms, status, read, leave. */
    final class Request<T> implements Pending {
        final long order;
        final Function<Ref, Command> command;
        final Function<ServerFrame, T> reply;
        final CompletableFuture<T> future = new CompletableFuture<>();
        /**
         * Whether to send it again on the next connection when the one it went out on is lost;
         * if not, it completes with null.
         */
        final boolean resendAfterLoss;
        /** A {@code NOT_IN_ROOM} error completes it with null (a leave of a room the server forgot). */
        final boolean notInRoomIsSuccess;
        long notBeforeNanos;
        boolean hasNotBefore;
        int retries;

        Request(long order, Function<Ref, Command> command, Function<ServerFrame, T> reply, boolean resendAfterLoss,
                boolean notInRoomIsSuccess) {
            this.order = order;
            this.command = command;
            this.reply = reply;
            this.resendAfterLoss = resendAfterLoss;
            this.notInRoomIsSuccess = notInRoomIsSuccess;
        }
    }

    /** The {@code join} of a subscription on the current connection. */
    final class Join implements Pending {
        final RealRoomSubscription subscription;

        Join(RealRoomSubscription subscription) {
            this.subscription = subscription;
        }
    }
}
