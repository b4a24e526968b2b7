package dev.parley.chat.internal.room;

import dev.parley.chat.ChatException;
import dev.parley.chat.Message;
import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.ServerFrames;
import java.util.List;

/**
 * The room's reads of the store on a member's behalf: {@code history} pages and read markers
 * ({@code read}, with a receipt to the other members when a marker moves).
 */
final class HistoryAndMarkers {
    private final RoomContext ctx;
    private final String id;
    private final RoomRecord record;
    private final CursorFeed feed;

    HistoryAndMarkers(RoomContext ctx, RoomRecord record, CursorFeed feed) {
        this.ctx = ctx;
        this.id = ctx.room();
        this.record = record;
        this.feed = feed;
    }

    /** The {@code history} command. */
    void history(MemberConnection member, Command.History history) {
        try {
            record.load();
            int limit = Math.min(history.limit() == null ? 50 : history.limit(), ctx.config().historyLimit());
            List<Message> messages = List.of();
            boolean hasMore = false;
            if (record.exists()) {
                // One more than asked tells whether more exist in that direction.
                List<Message> read;
                if (history.after() != null) {
                    read = ctx.store().readAfter(id, history.after(), limit + 1);
                    hasMore = read.size() > limit;
                    messages = hasMore ? read.subList(0, limit) : read;
                } else {
                    long before = history.before() != null ? history.before() : Long.MAX_VALUE;
                    read = ctx.store().readBefore(id, before, limit + 1);
                    hasMore = read.size() > limit;
                    messages = hasMore ? read.subList(1, read.size()) : read;
                }
            }
            member.reply(ServerFrames.history(history.ref(), id, messages, hasMore));
        } catch (ChatException e) {
            ctx.answer(member, history.ref(), e);
        }
    }

    /** The {@code read} command: moves the user's marker, never past the head. */
    void read(MemberConnection member, Command.Read read) {
        try {
            record.load();
            String user = member.user();
            long marker = 0;
            long before = 0;
            if (record.exists()) {
                before = ctx.store().readMarker(id, user);
                marker = ctx.store().moveReadMarker(id, user, Math.min(read.seq(), feed.head()));
            }
            member.reply(ServerFrames.read(read.ref(), id, marker));
            if (marker > before) {
                feed.broadcastSmallExcept(ServerFrames.receipt(id, user, marker), member);
            }
        } catch (ChatException e) {
            ctx.answer(member, read.ref(), e);
        }
    }
}
