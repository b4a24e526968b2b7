package dev.parley.chat.transport.websocket;

import dev.parley.chat.Message;
import dev.parley.chat.client.HistoryQuery;
import dev.parley.chat.client.Outbox;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.RoomListener;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The client of {@link ClientOutboxCrashIT}, in a JVM of its own: publishes {@code m-1} …
 * {@code m-N} into room {@code outbox} through a file outbox, continuing after the highest index
 * the server or the outbox already has, and prints {@code acked I} for each acknowledgement (of
 * its own publishes and of those restored from the outbox) and
 * {@code done} at the end. Arguments: the server's URI, the outbox file, N.
 */
public final class OutboxChild {
    private OutboxChild() {}

    /** Runs the client; see the class comment. */
    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0]);
        Path file = Path.of(args[1]);
        int total = Integer.parseInt(args[2]);
        Outbox outbox = Outbox.inFile(file);
        long highest = 0;
        List<Long> pending = new java.util.ArrayList<>();
        for (Outbox.Entry e : outbox.pending()) {
            pending.add(index(e.draft().body()));
            highest = Math.max(highest, index(e.draft().body()));
        }
        try (ParleyClient client = ParleyClient.builder(WebSocketClientConnector.to(uri))
                .user("writer")
                .outbox(outbox)
                .reconnectDelays(Duration.ofMillis(10), Duration.ofMillis(200))
                .build()) {
            client.join("outbox", new RoomListener() {});
            client.connect().get(30, TimeUnit.SECONDS);
            List<Message> last = client.history("outbox", HistoryQuery.latest(1)).get(30, TimeUnit.SECONDS).messages();
            if (!last.isEmpty()) {
                highest = Math.max(highest, index(last.get(0).body()));
            }
            // Restored publishes are acknowledged like new ones, so the parent can kill this child
            // while they are still pending too. They come back in the order they were made.
            List<CompletableFuture<dev.parley.chat.client.PublishedMessage>> restored = client.restoredPublishes();
            for (int k = 0; k < restored.size(); k++) {
                long index = pending.get(k);
                restored.get(k).thenAccept(ack -> System.out.println("acked " + index));
            }
            for (CompletableFuture<?> r : restored) {
                r.get(60, TimeUnit.SECONDS);
            }
            // In windows of 25, each awaited: pipelined enough that a kill finds publishes pending,
            // and slow enough that a kill after an early ack always lands before the end.
            CompletableFuture<?> previous = CompletableFuture.completedFuture(null);
            for (long i = highest + 1; i <= total; i++) {
                long index = i;
                previous = client.publish("outbox", "m-" + i).thenAccept(ack -> System.out.println("acked " + index));
                if (i % 25 == 0) {
                    previous.get(60, TimeUnit.SECONDS);
                }
            }
            previous.get(60, TimeUnit.SECONDS);
        }
        System.out.println("done");
    }

    private static long index(String body) {
        return Long.parseLong(body.substring(2));
    }
}
