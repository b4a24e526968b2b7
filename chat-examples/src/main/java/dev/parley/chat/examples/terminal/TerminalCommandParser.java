package dev.parley.chat.examples.terminal;

import java.util.List;
import java.util.Locale;

/**
 * Turns a line the user typed into a {@link TerminalCommand}: {@code /name args} for a slash
 * command, anything else is text to send. Never throws: a line it cannot understand is {@link
 * TerminalCommand.Invalid} with a message for the user. A line starting with {@code //} sends
 * the text after the first slash, so a message may begin with a slash.
 *
 * <p><b>Thread safety.</b> Stateless; safe from any thread.
 */
public final class TerminalCommandParser {
    /** The most {@code /history} asks for; the server caps it at its own {@code historyLimit}. */
    static final int MAX_HISTORY = 100;
    /** What {@code /history} without a count shows. */
    static final int DEFAULT_HISTORY = 20;

    /** One line of help per command, in the order {@code /help} lists them. */
    public static final List<String> HELP = List.of(
            "/help                   this list",
            "/quit                   leave",
            "/rooms                  the rooms you may read",
            "/create <room> [topic]  create a room",
            "/join <room>            join a room and switch to it",
            "/leave                  leave the current room",
            "/switch <room>          switch to a joined room",
            "/users                  who is in the current room",
            "/history [n]            the latest n messages (default " + DEFAULT_HISTORY + ")",
            "/online /away /dnd      set your status",
            "/dm <user>              talk to one user in a direct room",
            "/edit <seq> <text>      edit your message #seq",
            "/delete <seq>           delete your message #seq",
            "/react <seq> <emoji>    react to message #seq",
            "/reply <seq> <text>     reply to message #seq",
            "anything else           is sent to the current room");

    /** The command {@code line} asks for. */
    public TerminalCommand parse(String line) {
        String trimmed = line.strip();
        if (trimmed.isEmpty()) {
            return new TerminalCommand.Nothing();
        }
        if (trimmed.startsWith("//")) {
            return new TerminalCommand.Send(trimmed.substring(1));
        }
        if (!trimmed.startsWith("/")) {
            return new TerminalCommand.Send(trimmed);
        }
        String[] nameAndRest = trimmed.substring(1).split("\\s+", 2);
        String name = nameAndRest[0].toLowerCase(Locale.ROOT);
        String rest = nameAndRest.length > 1 ? nameAndRest[1].strip() : "";
        switch (name) {
            case "help":
            case "?":
                return noArguments(name, rest, new TerminalCommand.Help());
            case "quit":
            case "exit":
                return noArguments(name, rest, new TerminalCommand.Quit());
            case "rooms":
                return noArguments(name, rest, new TerminalCommand.Rooms());
            case "leave":
                return noArguments(name, rest, new TerminalCommand.Leave());
            case "users":
                return noArguments(name, rest, new TerminalCommand.Users());
            case "online":
            case "away":
            case "dnd":
                return noArguments(name, rest, new TerminalCommand.Status(name));
            case "create": {
                String[] roomAndTopic = rest.split("\\s+", 2);
                if (rest.isEmpty()) {
                    return usage("/create <room> [topic]");
                }
                return new TerminalCommand.Create(roomAndTopic[0], roomAndTopic.length > 1 ? roomAndTopic[1] : "");
            }
            case "join":
                return oneWord(rest) ? new TerminalCommand.Join(rest) : usage("/join <room>");
            case "switch":
                return oneWord(rest) ? new TerminalCommand.Switch(rest) : usage("/switch <room>");
            case "dm":
                return oneWord(rest) ? new TerminalCommand.DirectMessage(rest) : usage("/dm <user>");
            case "history":
                return history(rest);
            case "edit":
                return seqAndText(rest, "/edit <seq> <text>", TerminalCommand.Edit::new);
            case "reply":
                return seqAndText(rest, "/reply <seq> <text>", TerminalCommand.Reply::new);
            case "react":
                return seqAndText(rest, "/react <seq> <emoji>", TerminalCommand.React::new);
            case "delete": {
                long seq = seq(rest);
                return seq > 0 ? new TerminalCommand.Delete(seq) : usage("/delete <seq>");
            }
            default:
                return new TerminalCommand.Invalid("unknown command /" + name + " (try /help)");
        }
    }

    private static TerminalCommand noArguments(String name, String rest, TerminalCommand command) {
        return rest.isEmpty() ? command : new TerminalCommand.Invalid("/" + name + " takes no arguments");
    }

    private static boolean oneWord(String rest) {
        return !rest.isEmpty() && !rest.contains(" ") && !rest.contains("\t");
    }

    private static TerminalCommand history(String rest) {
        if (rest.isEmpty()) {
            return new TerminalCommand.History(DEFAULT_HISTORY);
        }
        try {
            int n = Integer.parseInt(rest);
            if (n >= 1) {
                return new TerminalCommand.History(Math.min(n, MAX_HISTORY));
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        return usage("/history [n] with n a number from 1");
    }

    private interface SeqAndText {
        TerminalCommand make(long seq, String text);
    }

    private static TerminalCommand seqAndText(String rest, String usage, SeqAndText make) {
        String[] parts = rest.split("\\s+", 2);
        long seq = seq(parts[0]);
        if (seq <= 0 || parts.length < 2 || parts[1].isBlank()) {
            return usage(usage);
        }
        return make.make(seq, parts[1].strip());
    }

    /** {@code 12} or {@code #12} as a seq; 0 if it is neither. */
    private static long seq(String word) {
        String digits = word.startsWith("#") ? word.substring(1) : word;
        if (digits.isEmpty() || digits.length() > 15 || !digits.chars().allMatch(Character::isDigit)) {
            return 0;
        }
        return Long.parseLong(digits);
    }

    private static TerminalCommand usage(String usage) {
        return new TerminalCommand.Invalid("usage: " + usage);
    }
}
