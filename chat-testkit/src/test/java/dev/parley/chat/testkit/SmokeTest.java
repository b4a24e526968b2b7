package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SmokeTest {
    @Test
    void helloJoinPublish_deliversTheMessageToEveryMember() {
        try (EngineFixture f = new EngineFixture()) {
            RecordingClient alice = f.client("alice");
            RecordingClient bob = f.client("bob");
            JsonNode joined = alice.join("general");
            assertThat(joined.get("type").asText()).isEqualTo("joined");
            assertThat(joined.get("seq").asLong()).isZero();
            bob.join("general");
            JsonNode published = alice.publish("general", "hi");
            assertThat(published.get("type").asText()).isEqualTo("published");
            assertThat(published.get("seq").asLong()).isEqualTo(1);
            JsonNode message = bob.awaitType("message");
            assertThat(message.get("body").asText()).isEqualTo("hi");
            assertThat(message.get("user").asText()).isEqualTo("alice");
        }
    }
}
