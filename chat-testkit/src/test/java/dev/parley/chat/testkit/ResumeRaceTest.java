package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.spi.MessageStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class ResumeRaceTest {

    @Test
    void joinWithSince_whileOthersPublish_neverLeavesAGapOrRepeats_over200Rounds() throws Exception {
        try (EngineFixture f = new EngineFixture(MessageStore.inMemory(1_000_000), b -> b
                .publishPerSecond(1_000_000).publishBurst(1_000_000)
                .commandsPerSecond(1_000_000).commandBurst(1_000_000)
                .recoverLimit(1_000_000).historyLimit(10_000).recentDefault(0))) {
            RecordingClient publisher = f.client("publisher");
            publisher.join("busy");
            AtomicBoolean running = new AtomicBoolean(true);
            Thread publishing = new Thread(() -> {
                int n = 0;
                while (running.get()) {
                    publisher.publish("busy", "m" + n++);
                }
            });
            publishing.start();
            try {
                long last = 0;
                String epoch = null;
                for (int round = 0; round < 200; round++) {
                    RecordingClient reader = f.client("reader");
                    String join = "{\"type\":\"join\",\"room\":\"busy\",\"since\":" + last
                            + (epoch == null ? "" : ",\"epoch\":\"" + epoch + "\"") + "}";
                    JsonNode joined = reader.request(join);
                    assertThat(joined.get("type").asText()).isEqualTo("joined");
                    assertThat(joined.get("recovered").asBoolean()).as("round %d recovered", round).isTrue();
                    epoch = joined.get("epoch").asText();
                    long expected = last + 1;
                    for (JsonNode m : joined.get("messages")) {
                        assertThat(m.get("seq").asLong()).as("round %d, from joined", round).isEqualTo(expected++);
                    }
                    assertThat(expected - 1).isEqualTo(joined.get("seq").asLong());
                    // The live pushes must continue exactly where joined ended.
                    List<JsonNode> live = reader.awaitMessages("busy", 3, Duration.ofSeconds(10));
                    for (JsonNode m : live) {
                        assertThat(m.get("seq").asLong()).as("round %d, live", round).isEqualTo(expected++);
                    }
                    last = expected - 1;
                    if (round % 2 == 0) {
                        reader.drop();
                    } else {
                        reader.close();
                    }
                }
            } finally {
                running.set(false);
                publishing.join(10_000);
            }
        }
    }
}
