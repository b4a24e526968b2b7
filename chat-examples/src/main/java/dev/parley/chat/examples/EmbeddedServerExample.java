package dev.parley.chat.examples;

import dev.parley.chat.ChatServer;
import dev.parley.chat.Subscription;
import dev.parley.chat.spi.Authenticator;
import dev.parley.chat.store.file.FileMessageStore;
import dev.parley.chat.transport.websocket.WebSocketTransport;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;

/**
 * The README's embedding example, compiled: a server on the file store and WebSocket, with a bot
 * that answers in its room. Run: {@code java -cp chat-examples/target/parley-server.jar
 * dev.parley.chat.examples.EmbeddedServerExample}.
 */
public final class EmbeddedServerExample {
    private EmbeddedServerExample() {}

    /** Starts the server and runs until the JVM is stopped. */
    public static void main(String[] args) throws InterruptedException {
        Map<String, String> usersByToken = Map.of("secret-alice", "alice", "secret-bob", "bob");

        ChatServer server = ChatServer.builder()
                .store(FileMessageStore.open(Path.of("data")))
                .authenticator(Authenticator.staticTokens(usersByToken))
                .build();
        server.start(WebSocketTransport.builder().bind(new InetSocketAddress("127.0.0.1", 8081)).build());

        // A bot sees the room's messages in seq order, once each, and may publish.
        Subscription bot = server.room("general").subscribe(message -> {
            if (message.body().equals("!ping")) {
                server.room("general").publish("bot", "pong");
            }
        });

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            bot.close();
            server.close(); // bye to every client after what was acknowledged is durable
        }));
        Thread.currentThread().join();
    }
}
