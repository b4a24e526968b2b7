package dev.parley.chat.testkit.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.chat.Message;
import dev.parley.chat.client.MessageDraft;
import dev.parley.chat.client.Outbox;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.PublishedMessage;
import dev.parley.chat.client.RoomListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The file outbox: what it keeps across an open, and a client that restores from it. */
@Timeout(60)
class ClientOutboxTest {
    @TempDir
    Path dir;

    @Test
    void fileOutbox_keepsWhatWasAddedAndNotRemoved_inOrder_andDropsATornLastLine() throws Exception {
        Path file = dir.resolve("outbox.jsonl");
        try (Outbox box = Outbox.inFile(file)) {
            box.add(new Outbox.Entry("general", "c1", MessageDraft.text("one")));
            box.add(new Outbox.Entry("general", "c2", MessageDraft.reply(7, "two").withMeta("{\"a\":1}")));
            box.add(new Outbox.Entry("other", "c3", MessageDraft.text("three")));
            box.remove("c1");
        }
        Files.writeString(file, "{\"op\":\"add\",\"room\":\"torn", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        try (Outbox box = Outbox.inFile(file)) {
            assertThat(box.pending()).containsExactly(
                    new Outbox.Entry("general", "c2", MessageDraft.reply(7, "two").withMeta("{\"a\":1}")),
                    new Outbox.Entry("other", "c3", MessageDraft.text("three")));
        }
    }

    @Test
    void client_onTheOutboxOfAnEarlierClient_publishesItsPendingAgainWithTheirCids_storedOnce() throws Exception {
        Path file = dir.resolve("outbox.jsonl");
        try (ClientFixture f = new ClientFixture()) {
            ParleyClient earlier = f.track(f.builder("alice").outbox(Outbox.inFile(file)).build());
            earlier.join("general", new RoomListener() {});
            earlier.connect().get(10, TimeUnit.SECONDS);
            PublishedMessage first = earlier.publish("general", "first").get(10, TimeUnit.SECONDS);
            earlier.close();
            // As if the earlier client had died after "first" was stored but before it forgot it,
            // and before "second" ever left.
            try (Outbox box = Outbox.inFile(file)) {
                assertThat(box.pending()).as("an acknowledged publish leaves the outbox").isEmpty();
                box.add(new Outbox.Entry("general", first.cid(), MessageDraft.text("first")));
                box.add(new Outbox.Entry("general", "never-sent-1", MessageDraft.text("second")));
            }

            ParleyClient restarted = f.track(f.builder("alice").outbox(Outbox.inFile(file)).build());
            restarted.join("general", new RoomListener() {});
            restarted.connect().get(10, TimeUnit.SECONDS);
            List<PublishedMessage> restored = new ArrayList<>();
            for (CompletableFuture<PublishedMessage> r : restarted.restoredPublishes()) {
                restored.add(r.get(10, TimeUnit.SECONDS));
            }
            restarted.close();

            assertThat(restored).extracting(PublishedMessage::seq).containsExactly(1L, 2L);
            assertThat(restored).extracting(PublishedMessage::duplicate).containsExactly(true, false);
            List<String> bodies = f.server.room("general").history(Long.MAX_VALUE, 100).stream()
                    .map(Message::body).collect(Collectors.toList());
            assertThat(bodies).containsExactly("first", "second");
            try (Outbox box = Outbox.inFile(file)) {
                assertThat(box.pending()).isEmpty();
            }
        }
    }
}
