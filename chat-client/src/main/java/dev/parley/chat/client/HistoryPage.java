package dev.parley.chat.client;

import dev.parley.chat.Message;
import dev.parley.chat.protocol.ServerFrame;
import java.util.List;
import java.util.Objects;

/**
 * One page of a room's log, the answer to {@link ParleyClient#history}.
 *
 * @param room the room id
 * @param messages the messages in ascending seq
 * @param hasMore whether more messages exist in the direction asked for
 */
public record HistoryPage(String room, List<Message> messages, boolean hasMore) {

    /** Copies the list and checks that nothing is null. */
    public HistoryPage {
        Objects.requireNonNull(room, "room");
        messages = List.copyOf(messages);
    }

    static HistoryPage of(ServerFrame.HistoryFrame f) {
        return new HistoryPage(f.room(), f.messages(), f.hasMore());
    }
}
