package dev.parley.chat.examples.terminal;

import java.net.URI;
import java.util.concurrent.Callable;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code parley-server chat}: the terminal chat client ({@link ChatTerminal}) on this machine's
 * terminal. {@code java -jar chat-examples/target/parley-server.jar chat --user alice}.
 */
@Command(
        name = "chat",
        mixinStandardHelpOptions = true,
        description = "A terminal chat client of a Parley server; /help inside lists its commands.")
public final class ChatCommand implements Callable<Integer> {

    @Option(names = "--url", description = "the server's WebSocket URL (default: ${DEFAULT-VALUE})")
    URI url = URI.create("ws://127.0.0.1:8081/ws");

    @Option(names = "--user", description = "your user name (with --auth trust), or the one your token must name")
    String user;

    @Option(names = "--token", description = "your token (with --auth token or jwt)")
    String token;

    @Override
    public Integer call() throws Exception {
        if (user == null && token == null) {
            System.err.println("parley-server chat: give --user NAME or --token TOKEN");
            return 2;
        }
        // Log lines would land in the middle of the chat; keep the client's to warnings. (Only
        // effective before the first logger is made, which is why it is set here, first.)
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            return new ChatTerminal(terminal, url, user, token).run();
        }
    }
}
