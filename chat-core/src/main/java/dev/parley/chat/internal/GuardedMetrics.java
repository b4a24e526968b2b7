package dev.parley.chat.internal;

import dev.parley.chat.ChatMetrics;
import dev.parley.chat.ErrorCode;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user's {@link ChatMetrics} behind a guard: what it throws is logged and swallowed, because
 * counting a command must never fail it. Only the first failure is logged with its stack, so a
 * broken hook called for every frame cannot flood the log.
 */
final class GuardedMetrics implements ChatMetrics {
    private static final Logger log = LoggerFactory.getLogger(GuardedMetrics.class);
    private final ChatMetrics delegate;
    private final AtomicBoolean reported = new AtomicBoolean();

    private GuardedMetrics(ChatMetrics delegate) {
        this.delegate = delegate;
    }

    static ChatMetrics guard(ChatMetrics metrics) {
        return metrics == ChatMetrics.NONE || metrics instanceof GuardedMetrics ? metrics : new GuardedMetrics(metrics);
    }

    private void call(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            if (reported.compareAndSet(false, true)) {
                log.error("the metrics hook {} failed; later failures are logged at debug", delegate, e);
            } else {
                log.debug("the metrics hook {} failed", delegate, e);
            }
        }
    }

    @Override
    public void onConnectionOpened() {
        call(delegate::onConnectionOpened);
    }

    @Override
    public void onConnectionClosed() {
        call(delegate::onConnectionClosed);
    }

    @Override
    public void onRoomOpened() {
        call(delegate::onRoomOpened);
    }

    @Override
    public void onRoomClosed() {
        call(delegate::onRoomClosed);
    }

    @Override
    public void onFrameReceived() {
        call(delegate::onFrameReceived);
    }

    @Override
    public void onFrameSent() {
        call(delegate::onFrameSent);
    }

    @Override
    public void onMessageStored(String room) {
        call(() -> delegate.onMessageStored(room));
    }

    @Override
    public void onMessageDelivered() {
        call(delegate::onMessageDelivered);
    }

    @Override
    public void onSlowReaderCatchUp() {
        call(delegate::onSlowReaderCatchUp);
    }

    @Override
    public void onSlowConsumerClosed() {
        call(delegate::onSlowConsumerClosed);
    }

    @Override
    public void onStoreAppend(Duration latency, boolean failed) {
        call(() -> delegate.onStoreAppend(latency, failed));
    }

    @Override
    public void onError(ErrorCode code) {
        call(() -> delegate.onError(code));
    }
}
