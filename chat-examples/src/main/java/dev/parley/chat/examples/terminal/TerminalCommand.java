package dev.parley.chat.examples.terminal;

/**
 * One line the user typed in the terminal client, understood: a slash command with its
 * arguments, plain text to send, or a line that could not be understood (with the reason).
 * {@link TerminalCommandParser} makes them; {@link ChatTerminal} runs them.
 */
public sealed interface TerminalCommand {

    /** {@code /help}: list the commands. */
    record Help() implements TerminalCommand {}

    /** {@code /quit}: close the client and leave. */
    record Quit() implements TerminalCommand {}

    /** {@code /rooms}: the rooms this user may read. */
    record Rooms() implements TerminalCommand {}

    /** {@code /create <room> [topic]}: create a room (without joining it). */
    record Create(String room, String topic) implements TerminalCommand {}

    /** {@code /join <room>}: join a room and make it the current one. */
    record Join(String room) implements TerminalCommand {}

    /** {@code /leave}: leave the current room. */
    record Leave() implements TerminalCommand {}

    /** {@code /switch <room>}: make another joined room the current one. */
    record Switch(String room) implements TerminalCommand {}

    /** {@code /users}: the members of the current room with their status. */
    record Users() implements TerminalCommand {}

    /** {@code /history [n]}: the latest {@code n} messages of the current room. */
    record History(int limit) implements TerminalCommand {}

    /** {@code /online}, {@code /away}, {@code /dnd}: choose this user's status. */
    record Status(String status) implements TerminalCommand {}

    /** {@code /dm <user>}: join the direct room with {@code user} and make it current. */
    record DirectMessage(String user) implements TerminalCommand {}

    /** {@code /edit <seq> <text>}: replace the text of one of this user's messages. */
    record Edit(long seq, String text) implements TerminalCommand {}

    /** {@code /delete <seq>}: delete one of this user's messages. */
    record Delete(long seq) implements TerminalCommand {}

    /** {@code /react <seq> <emoji>}: react to a message. */
    record React(long seq, String emoji) implements TerminalCommand {}

    /** {@code /reply <seq> <text>}: answer a message in its thread. */
    record Reply(long seq, String text) implements TerminalCommand {}

    /** Plain text: send it to the current room. */
    record Send(String text) implements TerminalCommand {}

    /** An empty line: nothing to do. */
    record Nothing() implements TerminalCommand {}

    /** A line that is not a valid command; {@code problem} says why, for the user. */
    record Invalid(String problem) implements TerminalCommand {}
}
