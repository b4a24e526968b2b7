package dev.parley.chat.client;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.protocol.ServerFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each server frame to the part of the client it concerns: pushes to their room, replies
 * and errors, by their ref, to the publish, join or request that awaited them. The replies to
 * {@code hello} are not routed here: they are {@link ConnectionLifecycle}'s.
 *
 * <p>Confined to the loop.
 */
final class FrameRouter {
    // Every part of the client logs under ParleyClient: the one name users configure.
    private static final Logger log = LoggerFactory.getLogger(ParleyClient.class);

    private final String name;
    private final AwaitedReplies replies;
    private final Rooms rooms;
    private final PublishQueue publishes;
    private final RequestQueue requests;

    FrameRouter(String name, AwaitedReplies replies, Rooms rooms, PublishQueue publishes, RequestQueue requests) {
        this.name = name;
        this.replies = replies;
        this.rooms = rooms;
        this.publishes = publishes;
        this.requests = requests;
    }

    /**
     * Routes {@code frame}.
     *
     * @return whether it settled a publish, or answered any command with an error: then a
     *     closing client may have nothing left to wait for
     */
    boolean route(ServerFrame frame) {
        if (frame instanceof ServerFrame.MessagePush push) {
            rooms.messagePushed(push.message());
        } else if (frame instanceof ServerFrame.ErrorFrame error) {
            return error(error);
        } else if (frame instanceof ServerFrame.PresencePush presence) {
            PresenceEvent event = PresenceEvent.of(presence);
            rooms.pushed(event.room(), l -> l.onPresence(event));
        } else if (frame instanceof ServerFrame.TypingPush t) {
            rooms.pushed(t.room(), l -> l.onTyping(t.room(), t.user(), t.typing()));
        } else if (frame instanceof ServerFrame.ReceiptPush r) {
            rooms.pushed(r.room(), l -> l.onReceipt(r.room(), r.user(), r.seq()));
        } else if (frame instanceof ServerFrame.MembersFrame m && frame.ref() < 0) {
            rooms.pushed(m.room(), l -> l.onMembers(m.room(), m.members()));
        } else if (frame instanceof ServerFrame.ByePush bye) {
            log.info("{}: the server says bye ({}: {})", name, bye.code(), bye.message());
        } else if (frame instanceof ServerFrame.UnknownFrame unknown) {
            log.debug("{}: ignoring a frame of unknown type {}", name, unknown.type());
        } else if (frame instanceof ServerFrame.PongFrame && frame.ref() < 0) {
            // A liveness ping's answer: arriving was all it had to do.
        } else {
            return reply(frame);
        }
        return false;
    }

    private boolean reply(ServerFrame frame) {
        Pending pending = replies.take(frame.ref());
        if (pending == null) {
            log.debug("{}: ignoring a reply to no pending command: {}", name, frame);
            return false;
        }
        if (pending instanceof Pending.Publish p && frame instanceof ServerFrame.PublishedFrame published) {
            publishes.acknowledged(p, published);
            return true;
        }
        if (pending instanceof Pending.Join join && frame instanceof ServerFrame.JoinedFrame joined) {
            if (rooms.joined(join.subscription, frame.ref(), JoinedRoom.of(joined))) {
                publishes.pump();
            }
        } else if (pending instanceof Pending.Request<?> r) {
            requests.answered(r, frame);
        } else {
            log.warn("{}: the server answered {} with {}", name, pending.getClass().getSimpleName(), frame);
            if (pending instanceof Pending.Publish p) {
                publishes.failed(p, new ChatException(ErrorCode.INTERNAL, "unexpected reply to publish: " + frame));
            }
        }
        return false;
    }

    private boolean error(ServerFrame.ErrorFrame e) {
        Pending pending = e.ref() > 0 ? replies.take(e.ref()) : null;
        if (pending == null) {
            log.warn("{}: server error {}: {}", name, e.code(), e.message());
            return false;
        }
        long now = System.nanoTime();
        if (pending instanceof Pending.Publish p) {
            publishes.refused(p, e, now);
        } else if (pending instanceof Pending.Join join) {
            rooms.joinFailed(join.subscription, e);
        } else if (pending instanceof Pending.Request<?> r) {
            requests.refused(r, e, now);
        }
        return true;
    }
}
