package dev.parley.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Folds a room's log into {@link FoldedMessage}s: the one place where edits, deletes, reactions
 * and replies are applied, used by the server's {@link Room#view(long, int)} and by the Java
 * client's {@code RoomState}, so both show a room the same way.
 *
 * <p>Feed it the room's messages in seq order with {@link #add}; a message at or below the
 * highest seq already added is ignored, so feeding the same message twice (a snapshot and then a
 * resume) is harmless. An edit, delete, reaction or reply names its target by seq: a target
 * this fold has not seen (older than what it was fed) is not tracked and the event is dropped.
 * Who may edit or delete is the server's rule (PROTOCOL §4), checked before a message is stored,
 * so the fold applies every edit and delete of the log.
 *
 * <p><b>Thread safety.</b> Not thread-safe: one owner feeds and reads it, or guards it.
 */
public final class MessageFold {
    private final NavigableMap<Long, Entry> texts = new TreeMap<>();
    private long lastSeq;

    /** An empty fold. */
    public MessageFold() {}

    /** The highest seq added so far, 0 if none. */
    public long lastSeq() {
        return lastSeq;
    }

    /**
     * Applies one message of the room. Returns whether it was new (its seq above every seq added
     * before).
     */
    public boolean add(Message message) {
        if (message.seq() <= lastSeq) {
            return false;
        }
        lastSeq = message.seq();
        if (message.kind() == MessageKind.TEXT) {
            texts.put(message.seq(), new Entry(message));
            if (message.replyTo() != 0) {
                Entry parent = texts.get(message.replyTo());
                if (parent != null) {
                    parent.replies.add(message.seq());
                }
            }
            return true;
        }
        Entry target = texts.get(message.target());
        if (target == null) {
            return true;
        }
        switch (message.kind()) {
            case EDIT -> {
                if (!target.deleted) {
                    target.body = message.body();
                    if (message.meta() != null) {
                        target.meta = message.meta();
                    }
                    target.edited = true;
                }
            }
            case DELETE -> {
                target.deleted = true;
                target.body = "";
                target.meta = null;
                Entry parent = texts.get(target.original.replyTo());
                if (parent != null) {
                    parent.replies.remove(target.original.seq());
                }
            }
            case REACT -> target.reactions.computeIfAbsent(message.body(), e -> new TreeSet<>()).add(message.user());
            case UNREACT -> {
                TreeSet<String> users = target.reactions.get(message.body());
                if (users != null) {
                    users.remove(message.user());
                }
            }
            case TEXT -> throw new AssertionError("handled above");
        }
        return true;
    }

    /** Applies each message in order; see {@link #add}. */
    public void addAll(Iterable<Message> messages) {
        for (Message m : messages) {
            add(m);
        }
    }

    /** Forgets everything, as after a room's reset. */
    public void clear() {
        texts.clear();
        lastSeq = 0;
    }

    /** The folded text message of that seq, or null if this fold has not seen it. */
    public @Nullable FoldedMessage get(long seq) {
        Entry e = texts.get(seq);
        return e == null ? null : e.folded();
    }

    /** Every text message seen, folded, ascending by seq. */
    public List<FoldedMessage> messages() {
        return messagesFrom(0, Integer.MAX_VALUE);
    }

    /** At most {@code limit} folded text messages from {@code fromSeq} on, ascending by seq. */
    public List<FoldedMessage> messagesFrom(long fromSeq, int limit) {
        List<FoldedMessage> out = new ArrayList<>();
        for (Entry e : texts.tailMap(fromSeq, true).values()) {
            if (out.size() >= limit) {
                break;
            }
            out.add(e.folded());
        }
        return out;
    }

    /** The mutable state of one text message while the log is folded. */
    private static final class Entry {
        final Message original;
        String body;
        @Nullable String meta;
        boolean edited;
        boolean deleted;
        // Emoji in the order first used; users sorted, so two folds of one log compare equal.
        final Map<String, TreeSet<String>> reactions = new LinkedHashMap<>();
        final TreeSet<Long> replies = new TreeSet<>();

        Entry(Message original) {
            this.original = original;
            this.body = original.body();
            this.meta = original.meta();
        }

        FoldedMessage folded() {
            List<Reaction> current = new ArrayList<>();
            for (Map.Entry<String, TreeSet<String>> r : reactions.entrySet()) {
                if (!r.getValue().isEmpty()) {
                    current.add(new Reaction(r.getKey(), new ArrayList<>(r.getValue())));
                }
            }
            return new FoldedMessage(original, body, meta, edited, deleted, current, replies.size());
        }
    }
}
