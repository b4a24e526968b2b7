package dev.parley.chat.client;

import dev.parley.chat.FoldedMessage;
import dev.parley.chat.Message;
import dev.parley.chat.MessageFold;
import java.util.List;

/**
 * The folded view of one room as far as this client has received it: the messages with their
 * latest edit, deleted flag, reactions and reply counts, folded by the same {@link MessageFold}
 * as the server's {@link dev.parley.chat.Room#view(long, int)}.
 *
 * <p>It is a {@link RoomListener}: pass it to {@link ParleyClient#join(String, RoomListener)}, or
 * call its methods from the application's own listener. A {@code joined} snapshot and messages
 * delivered one by one are folded together (a message seen twice counts once); {@link #onReset}
 * starts again from the new snapshot. Events that name a message older than what the client
 * received are not applied.
 *
 * <p><b>Thread safety.</b> Safe to read from any thread while the client feeds it.
 */
public final class RoomState implements RoomListener {
    private final MessageFold fold = new MessageFold();

    /** An empty state, to be fed by a room's events. */
    public RoomState() {}

    /** Folds the snapshot of the first join. */
    @Override
    public synchronized void onJoined(JoinedRoom joined) {
        fold.addAll(joined.messages());
    }

    /** Forgets what was folded and starts from the new snapshot. */
    @Override
    public synchronized void onReset(JoinedRoom joined) {
        fold.clear();
        fold.addAll(joined.messages());
    }

    /** Folds one message. */
    @Override
    public synchronized void onMessage(Message message) {
        fold.add(message);
    }

    /** The text messages received, folded, ascending by seq. */
    public synchronized List<FoldedMessage> messages() {
        return fold.messages();
    }

    /** The highest seq folded, 0 if none. */
    public synchronized long lastSeq() {
        return fold.lastSeq();
    }
}
