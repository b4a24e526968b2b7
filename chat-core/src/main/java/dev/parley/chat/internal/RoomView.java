package dev.parley.chat.internal;

import dev.parley.chat.FoldedMessage;
import dev.parley.chat.Message;
import dev.parley.chat.MessageFold;
import dev.parley.chat.MessageKind;
import dev.parley.chat.spi.MessageStore;
import java.util.List;

/** Reads one page of a room's folded view from the store ({@link dev.parley.chat.Room#view}). */
final class RoomView {
    private static final int READ_PAGE = 500;

    private RoomView() {}

    static List<FoldedMessage> read(MessageStore store, String room, long beforeSeq, int limit, int maxFolded) {
        // Backwards to the page's first text message: events between texts do not count toward limit.
        long firstText = 0;
        int texts = 0;
        long cursor = beforeSeq;
        int scanned = 0;
        outer:
        while (scanned < maxFolded) {
            List<Message> batch = store.readBefore(room, cursor, READ_PAGE);
            if (batch.isEmpty()) {
                break;
            }
            for (int i = batch.size() - 1; i >= 0; i--) {
                Message m = batch.get(i);
                if (m.kind() == MessageKind.TEXT) {
                    firstText = m.seq();
                    if (++texts == limit) {
                        break outer;
                    }
                }
            }
            scanned += batch.size();
            cursor = batch.get(0).seq();
        }
        if (texts == 0) {
            return List.of();
        }
        // Forwards from there to the head: what names the page's messages may lie after the page.
        MessageFold fold = new MessageFold();
        long after = firstText - 1;
        int folded = 0;
        while (folded < maxFolded) {
            List<Message> batch = store.readAfter(room, after, Math.min(READ_PAGE, maxFolded - folded));
            if (batch.isEmpty()) {
                break;
            }
            fold.addAll(batch);
            folded += batch.size();
            after = batch.get(batch.size() - 1).seq();
        }
        return fold.messagesFrom(firstText, texts);
    }
}
