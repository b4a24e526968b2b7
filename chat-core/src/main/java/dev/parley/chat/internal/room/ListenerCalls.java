package dev.parley.chat.internal.room;

import dev.parley.chat.ChatException;
import dev.parley.chat.ChatListener;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.Message;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ChatListener#onPublish} with a bound: the hook runs on a hook thread while the room's
 * mailbox waits at most {@link #ON_PUBLISH_TIMEOUT_MILLIS}; past that the publish goes on as if
 * the hook had accepted it unchanged, the hook's thread is interrupted and what it returns later
 * is ignored. The room waits rather than going on with other publishes, because a member's
 * publishes must reach the sequencer in the order it sent them.
 *
 * <p>The hook threads are a cached pool of daemon threads shared by every server in the process
 * (idle ones end after a minute), so a server needs no option and no shutdown for them. A
 * listener that does not override {@code onPublish} is not called at all: no thread hop.
 */
final class ListenerCalls {
    private static final Logger log = LoggerFactory.getLogger(ListenerCalls.class);
    /** How long a room waits for one {@code onPublish}. */
    static final long ON_PUBLISH_TIMEOUT_MILLIS = 2_000;

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService HOOKS = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "parley-hook-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    });

    private static final ClassValue<Boolean> OVERRIDES_ON_PUBLISH = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                return type.getMethod("onPublish", Message.class).getDeclaringClass() != ChatListener.class;
            } catch (NoSuchMethodException e) {
                return true; // cannot tell: call it
            }
        }
    };

    private ListenerCalls() {}

    /**
     * Calls {@code listener.onPublish(draft)} within the bound.
     *
     * @return what the hook returned, or {@code draft} if it does not override the method or did
     *     not answer in time
     * @throws ChatException the hook's refusal
     * @throws RuntimeException what else the hook threw (an {@link Error} wrapped), for the caller to log
     */
    static Message onPublish(ChatListener listener, Message draft, String room) {
        if (!OVERRIDES_ON_PUBLISH.get(listener.getClass())) {
            return draft;
        }
        Future<Message> call = HOOKS.submit(() -> listener.onPublish(draft));
        try {
            return call.get(ON_PUBLISH_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            log.warn("room {}: listener {} did not answer onPublish within {} ms; the publish goes on as accepted",
                    room, listener, ON_PUBLISH_TIMEOUT_MILLIS);
            return draft;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause; // a ChatException refuses; the caller logs the rest
            }
            throw new IllegalStateException("onPublish failed", cause);
        } catch (InterruptedException e) {
            // The room's thread is being stopped (shutdown): do not hold it for the hook.
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new ChatException(ErrorCode.UNAVAILABLE, "the server is stopping");
        }
    }
}
