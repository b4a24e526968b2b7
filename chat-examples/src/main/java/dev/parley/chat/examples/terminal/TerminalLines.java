package dev.parley.chat.examples.terminal;

import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.client.PresenceEvent;
import dev.parley.chat.protocol.RoomSummary;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How the terminal client shows what happens, one line each: messages of every kind, presence,
 * rooms and members. Text from other users goes through {@link #printable} first, so a message
 * cannot move the cursor, change colours or clear the screen of the person reading it.
 *
 * <p><b>Thread safety.</b> Stateless; safe from any thread.
 */
final class TerminalLines {
    private TerminalLines() {}

    /** A message: {@code [room] #12 alice: hi}, and for edits, deletes and reactions what they do. */
    static String message(Message m) {
        String head = "[" + m.room() + "] #" + m.seq() + " " + m.user();
        String body = printable(m.body());
        switch (m.kind()) {
            case EDIT:
                return head + " edited #" + m.target() + ": " + body;
            case DELETE:
                return head + " deleted #" + m.target();
            case REACT:
                return head + " reacted " + body + " to #" + m.target();
            case UNREACT:
                return head + " took back " + body + " from #" + m.target();
            default:
                return head + (m.replyTo() > 0 ? " (reply to #" + m.replyTo() + ")" : "") + ": " + body;
        }
    }

    /** {@code [room] * bob joined}, {@code left}, {@code is away}. */
    static String presence(PresenceEvent e) {
        String what;
        switch (e.kind()) {
            case JOIN:
                what = "joined";
                break;
            case LEAVE:
                what = "left";
                break;
            default:
                what = "is " + e.status().wireName();
        }
        return "[" + e.room() + "] * " + e.user() + " " + what;
    }

    /** {@code alice (online), bob (away)}. */
    static String members(List<Member> members) {
        return members.stream().map(m -> m.user() + " (" + m.status().wireName() + ")").collect(Collectors.joining(", "));
    }

    /** One room of {@code /rooms}. */
    static String room(RoomSummary r) {
        return "   #" + r.room() + "  " + r.members() + (r.members() == 1 ? " member" : " members") + ", last #" + r.seq()
                + (r.unread() > 0 ? ", " + r.unread() + " unread" : "")
                + (r.topic().isEmpty() ? "" : "  " + printable(r.topic()));
    }

    /** {@code text} with every control character (ESC above all) shown as {@code ?}. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || (c >= 0x202A && c <= 0x202E)) {
                out.append('?');
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
