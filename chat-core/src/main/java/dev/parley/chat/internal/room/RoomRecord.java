package dev.parley.chat.internal.room;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.protocol.Command;
import dev.parley.chat.protocol.ServerFrames;
import dev.parley.chat.spi.RoomInfo;
import java.util.Optional;

/**
 * The room as the store knows it: whether it exists, its epoch, and its last seq (handed to the
 * {@link CursorFeed}, which owns the head). Loaded lazily, once, on the room's mailbox.
 */
final class RoomRecord {
    private final RoomContext ctx;
    private final CursorFeed feed;
    private boolean loaded;
    private boolean exists;
    private String epoch = "";

    RoomRecord(RoomContext ctx, CursorFeed feed) {
        this.ctx = ctx;
        this.feed = feed;
    }

    boolean loaded() {
        return loaded;
    }

    /** Reads the room from the store, the first time only. */
    void load() {
        if (loaded) {
            return;
        }
        Optional<RoomInfo> info = ctx.store().room(ctx.room());
        if (info.isPresent()) {
            adopt(info.get());
        }
        loaded = true;
    }

    /** Loads the room, and creates it without a topic if the store has none. */
    void loadOrCreate() {
        load();
        if (!exists) {
            createInStore("");
        }
    }

    boolean exists() {
        return exists;
    }

    String epoch() {
        return epoch;
    }

    /** The first seq the store retains, 0 if it holds none. */
    long storeFirst() {
        return ctx.store().room(ctx.room()).map(RoomInfo::firstSeq).orElse(0L);
    }

    /** Creates the room in the store; false if it already existed there. */
    boolean createInStore(String topic) {
        Optional<RoomInfo> created = ctx.store().create(ctx.room(), topic, ctx.now());
        if (created.isPresent()) {
            adopt(created.get());
            return true;
        }
        ctx.store().room(ctx.room()).ifPresent(this::adopt);
        return false;
    }

    /** The {@code create} command. */
    void create(MemberConnection member, Command.Create create) {
        try {
            load();
            if (exists || !createInStore(create.topic())) {
                member.error(create.ref(), ErrorCode.ROOM_EXISTS, "the room exists", 0);
                return;
            }
            member.reply(ServerFrames.created(create.ref(), ctx.room(), create.topic()));
        } catch (ChatException e) {
            ctx.answer(member, create.ref(), e);
        }
    }

    private void adopt(RoomInfo info) {
        exists = true;
        epoch = info.epoch();
        feed.adoptHead(info.lastSeq());
    }
}
