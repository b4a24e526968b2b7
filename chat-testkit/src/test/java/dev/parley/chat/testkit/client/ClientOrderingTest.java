package dev.parley.chat.testkit.client;

import static dev.parley.chat.testkit.client.ScriptedConnector.joined;
import static dev.parley.chat.testkit.client.ScriptedConnector.message;
import static dev.parley.chat.testkit.client.ScriptedConnector.welcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.PublishedMessage;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client's own ordering rules, against a scripted server that misbehaves on purpose: repeats
 * are dropped, a gap is never delivered but repaired by a join with {@code since}, and a resume
 * carries {@code since} and {@code epoch}.
 */
@Timeout(30)
class ClientOrderingTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void repeatedAndOldSeqs_areDropped_andAGap_isRepairedByJoiningWithSince() throws Exception {
        ScriptedConnector server = new ScriptedConnector();
        try (ParleyClient client = ParleyClient.builder(server).user("alice").backoff(ClientFixture.FAST).build()) {
            RecordingRoomListener sees = connectAndJoin(server, client);

            for (long seq : new long[] {1, 2, 2, 1, 3}) {
                server.push(message("r", seq));
            }
            await().atMost(WAIT).until(() -> sees.messages.size() == 3);
            server.push(message("r", 5));
            JsonNode rejoin = server.expect("join");
            // Pushes before the repairing joined are not trusted.
            server.push(message("r", 4));
            server.push(joined(rejoin.get("ref").asLong(), "r", "e1", 5, true, message("r", 4), message("r", 5)));
            server.push(message("r", 6));

            await().atMost(WAIT).until(() -> sees.messages.size() == 6);
            assertThat(sees.seqs()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
            assertThat(rejoin.get("since").asLong()).isEqualTo(3);
            assertThat(rejoin.get("epoch").asText()).isEqualTo("e1");
        }
    }

    @Test
    void afterALostConnection_theRoomIsRejoinedWithSinceAndEpoch_andAResetIsSurfaced() throws Exception {
        ScriptedConnector server = new ScriptedConnector();
        try (ParleyClient client = ParleyClient.builder(server).user("alice").backoff(ClientFixture.FAST).build()) {
            RecordingRoomListener sees = connectAndJoin(server, client);
            server.push(message("r", 1));
            server.push(message("r", 2));
            await().atMost(WAIT).until(() -> sees.messages.size() == 2);
            CompletableFuture<PublishedMessage> ack = client.publish("r", "survives");
            JsonNode publish = server.expect("publish");

            server.lose();
            JsonNode hello = server.expect("hello");
            server.push(welcome(hello.get("ref").asLong()));
            JsonNode rejoin = server.expect("join");
            // A new epoch: the room's log was started again, so seq 2 of the old log means nothing.
            server.push(joined(rejoin.get("ref").asLong(), "r", "e2", 3, false,
                    message("r", 1), message("r", 2), message("r", 3)));
            JsonNode resent = server.expect("publish");
            server.push("{\"type\":\"published\",\"ref\":" + resent.get("ref").asLong()
                    + ",\"room\":\"r\",\"seq\":4,\"id\":\"m4\",\"ts\":1,\"duplicate\":false}");
            server.push(message("r", 4));

            assertThat(rejoin.get("since").asLong()).isEqualTo(2);
            assertThat(rejoin.get("epoch").asText()).isEqualTo("e1");
            assertThat(resent.get("cid").asText()).isEqualTo(publish.get("cid").asText());
            assertThat(resent.get("ref").asLong()).isNotEqualTo(publish.get("ref").asLong());
            assertThat(ack.get(10, TimeUnit.SECONDS).seq()).isEqualTo(4);
            await().atMost(WAIT).until(() -> sees.messages.size() == 3);
            assertThat(sees.seqs()).containsExactly(1L, 2L, 4L);
            assertThat(sees.resets).hasSize(1);
            assertThat(sees.resets.get(0).epoch()).isEqualTo("e2");
            assertThat(sees.calls).containsSubsequence("message 2", "reset 3", "message 4");
            assertThat(server.connections()).isEqualTo(2);
        }
    }

    @Test
    void unknownFramesAndFields_areIgnored() throws Exception {
        ScriptedConnector server = new ScriptedConnector();
        try (ParleyClient client = ParleyClient.builder(server).user("alice").backoff(ClientFixture.FAST).build()) {
            RecordingRoomListener sees = connectAndJoin(server, client);

            server.push("{\"type\":\"hologram\",\"room\":\"r\"}");
            server.push("not json at all");
            server.push("{\"type\":\"message\",\"room\":\"r\",\"seq\":1,\"id\":\"m1\",\"user\":\"bob\","
                    + "\"body\":\"b\",\"ts\":1,\"kind\":\"text\",\"sparkles\":true}");

            await().atMost(WAIT).until(() -> sees.messages.size() == 1);
            assertThat(sees.seqs()).containsExactly(1L);
        }
    }

    private static RecordingRoomListener connectAndJoin(ScriptedConnector server, ParleyClient client)
            throws Exception {
        CompletableFuture<?> connected = client.connect();
        JsonNode hello = server.expect("hello");
        assertThat(hello.get("user").asText()).isEqualTo("alice");
        assertThat(hello.get("v").asInt()).isEqualTo(1);
        server.push(welcome(hello.get("ref").asLong()));
        connected.get(10, TimeUnit.SECONDS);
        RecordingRoomListener sees = new RecordingRoomListener();
        client.join("r", sees);
        JsonNode join = server.expect("join");
        assertThat(join.has("since")).isFalse();
        server.push(joined(join.get("ref").asLong(), "r", "e1", 0, false));
        await().atMost(WAIT).until(() -> sees.joined.size() == 1);
        return sees;
    }
}
