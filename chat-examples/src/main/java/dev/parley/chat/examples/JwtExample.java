package dev.parley.chat.examples;

import dev.parley.chat.ChatServer;
import dev.parley.chat.auth.jwt.JwtAuthenticator;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.RoomListener;
import dev.parley.chat.spi.Authorizer;
import dev.parley.chat.spi.Identity;
import dev.parley.chat.transport.websocket.WebSocketClientConnector;
import dev.parley.chat.transport.websocket.WebSocketTransport;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The README's signed-token example, compiled: a server that accepts HS256 tokens and lets a
 * user into the rooms its token's {@code rooms} claim lists, and a client whose token supplier
 * the client asks again before each token expires. {@code java -cp
 * chat-examples/target/parley-server.jar dev.parley.chat.examples.JwtExample}.
 */
public final class JwtExample {
    private JwtExample() {}

    /** Only the rooms that the token's {@code rooms} claim lists. */
    static final class RoomsInToken implements Authorizer {
        @Override
        public boolean mayRead(String user, String room) {
            return false; // the server asks by Identity; without a token nobody gets in
        }

        @Override
        public boolean mayRead(Identity who, String room) {
            return who.claim("rooms").contains(room);
        }

        @Override
        public boolean mayJoin(Identity who, String room) {
            return mayRead(who, room);
        }

        @Override
        public boolean mayPublish(Identity who, String room) {
            return mayRead(who, room);
        }

        @Override
        public boolean mayCreate(Identity who, String room) {
            return false;
        }
    }

    /** Runs a server on a free port, and a client that stays connected across three short tokens. */
    public static void main(String[] args) throws Exception {
        byte[] secret = "use-32-or-more-random-bytes-here-not-this".getBytes(StandardCharsets.UTF_8);
        ChatServer server = ChatServer.builder()
                .authenticator(JwtAuthenticator.builder()
                        .hmacSecret(secret)
                        .issuer("https://login.example.com")
                        .audience("chat")
                        .build())
                .authorizer(new RoomsInToken())
                .build();
        WebSocketTransport ws = WebSocketTransport.builder().bind(new InetSocketAddress("127.0.0.1", 0)).build();
        server.start(ws);

        // Your login service makes the tokens; here, ones of 10 s for alice in team-a.
        URI uri = URI.create("ws://127.0.0.1:" + ws.port() + ws.path());
        try (ParleyClient client = ParleyClient.builder(WebSocketClientConnector.to(uri))
                .tokenSupplier(() -> mint(secret, "alice", Duration.ofSeconds(10)))
                .build()) {
            client.join("team-a", new RoomListener() {});
            client.connect().join();
            Thread.sleep(25_000); // three tokens' lives: the client sent a fresh one in time, each time
            System.out.println("still connected: " + client.isConnected()
                    + ", published #" + client.publish("team-a", "hello").join().seq());
        } finally {
            server.close();
        }
    }

    private static String mint(byte[] secret, String user, Duration ttl) {
        try {
            return TokenCommand.mint(secret, user, ttl, "https://login.example.com", "chat", List.of("team-a"),
                    Clock.systemUTC());
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
