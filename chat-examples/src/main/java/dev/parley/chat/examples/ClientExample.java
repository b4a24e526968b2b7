package dev.parley.chat.examples;

import dev.parley.chat.Message;
import dev.parley.chat.client.JoinedRoom;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.RoomListener;
import dev.parley.chat.transport.websocket.WebSocketClientConnector;
import java.net.URI;

/**
 * The README's client example, compiled: connect, join, print what arrives, publish once.
 * Reconnecting, resuming and retrying the publish with its cid happen inside the client. Run
 * against the example server: {@code java -cp chat-examples/target/parley-server.jar
 * dev.parley.chat.examples.ClientExample alice}.
 */
public final class ClientExample {
    private ClientExample() {}

    /** Says hello in {@code general} as the user named by the first argument. */
    public static void main(String[] args) throws Exception {
        String user = args.length > 0 ? args[0] : "alice";
        try (ParleyClient client = ParleyClient.builder(WebSocketClientConnector.to(URI.create("ws://127.0.0.1:8081/ws")))
                .user(user)
                .build()) {
            client.join("general", new RoomListener() {
                @Override
                public void onJoined(JoinedRoom joined) {
                    // The room's latest messages, to show on joining; onMessage gets every later one.
                    joined.messages().forEach(this::onMessage);
                }

                @Override
                public void onMessage(Message m) {
                    System.out.println("#" + m.seq() + " " + m.user() + ": " + m.body());
                }

                @Override
                public void onReset(JoinedRoom joined) {
                    System.out.println("(history was skipped; showing the latest messages)");
                }
            });
            client.connect().join();
            long seq = client.publish("general", "hello from " + user).join().seq();
            System.out.println("published as #" + seq);
        }
    }
}
