package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.RoomPolicy;
import dev.parley.chat.RoomPolicy.Rule;
import dev.parley.chat.RoomPolicy.Who;
import dev.parley.chat.spi.Authenticator;
import dev.parley.chat.spi.Credentials;
import dev.parley.chat.spi.Identity;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link RoomPolicy} in a server: a read-only room refuses a publish with FORBIDDEN and still
 * delivers; an invite-only room refuses a join, also a resume with {@code since}; claims of the
 * credentials let users in and let them create.
 */
@Timeout(30)
class RoomPolicyOnTheEngineTest {
    /** Tokens {@code USER;CLAIM=V1,V2;...}: the user and its claims, never expiring. */
    private static final Authenticator CLAIMS_IN_TOKEN = new Authenticator() {
        @Override
        public String authenticate(Credentials credentials) {
            return identify(credentials).user();
        }

        @Override
        public Identity identify(Credentials credentials) {
            String token = credentials.anyToken();
            if (token == null) {
                throw new ChatException(ErrorCode.UNAUTHENTICATED, "no token");
            }
            String[] parts = token.split(";");
            Map<String, List<String>> claims = new LinkedHashMap<>();
            for (int i = 1; i < parts.length; i++) {
                String[] claim = parts[i].split("=", 2);
                claims.put(claim[0], Arrays.asList(claim[1].split(",")));
            }
            return new Identity(parts[0], null, claims);
        }
    };

    private static final RoomPolicy POLICY = RoomPolicy.builder()
            .rooms("announcements", Rule.open().publishers(Who.users("alice")))
            .rooms("team-*", Rule.inviteOnly(Who.listedInClaim("rooms")))
            .otherwise(Rule.open().creators(Who.withClaim("roles", "admin")))
            .build();

    private static EngineFixture server() {
        return new EngineFixture(b -> b.authenticator(CLAIMS_IN_TOKEN).authorizer(POLICY));
    }

    private static RecordingClient connect(EngineFixture f, String token) {
        RecordingClient c = f.transport.connect();
        JsonNode welcome = c.request("{\"type\":\"hello\",\"v\":1,\"token\":\"" + token + "\"}");
        assertThat(welcome.get("type").asText()).as(welcome.toString()).isEqualTo("welcome");
        return c;
    }

    private static void assertForbidden(JsonNode reply) {
        assertThat(reply.get("type").asText()).as(reply.toString()).isEqualTo("error");
        assertThat(reply.get("code").asText()).isEqualTo("FORBIDDEN");
    }

    @Test
    void readOnlyRoom_refusesAPublishWithForbidden_andStillDelivers() {
        try (EngineFixture f = server()) {
            RecordingClient alice = connect(f, "alice");
            RecordingClient bob = connect(f, "bob");
            assertThat(alice.join("announcements").get("type").asText()).isEqualTo("joined");
            assertThat(bob.join("announcements").get("type").asText()).isEqualTo("joined");

            assertForbidden(bob.publish("announcements", "may I?"));
            assertThat(alice.publish("announcements", "news").get("type").asText()).isEqualTo("published");

            List<JsonNode> seen = bob.awaitMessages("announcements", 1);
            assertThat(seen.get(0).get("body").asText()).isEqualTo("news");
            assertThat(bob.request("{\"type\":\"typing\",\"room\":\"announcements\",\"typing\":true}").get("code").asText())
                    .isEqualTo("FORBIDDEN");
        }
    }

    @Test
    void inviteOnlyRoom_refusesAJoin_alsoAResumeWithSince_andLetsTheInvitedIn() {
        try (EngineFixture f = server()) {
            RecordingClient ann = connect(f, "ann;rooms=team-a");
            JsonNode joined = ann.join("team-a");
            assertThat(joined.get("type").asText()).isEqualTo("joined");
            ann.publish("team-a", "inside");

            RecordingClient eve = connect(f, "eve;rooms=team-b");
            assertForbidden(eve.join("team-a"));
            assertForbidden(eve.request("{\"type\":\"join\",\"room\":\"team-a\",\"since\":0,\"epoch\":\""
                    + joined.get("epoch").asText() + "\"}"));
            assertForbidden(eve.request("{\"type\":\"history\",\"room\":\"team-a\"}"));
            assertForbidden(eve.request("{\"type\":\"members\",\"room\":\"team-a\"}"));

            RecordingClient ann2 = connect(f, "ann;rooms=team-*");
            JsonNode resumed = ann2.request("{\"type\":\"join\",\"room\":\"team-a\",\"since\":0,\"epoch\":\""
                    + joined.get("epoch").asText() + "\"}");
            assertThat(resumed.get("type").asText()).isEqualTo("joined");
            assertThat(resumed.get("messages")).hasSize(1);
        }
    }

    @Test
    void whoMayCreate_isTheRulesCreators() {
        try (EngineFixture f = server()) {
            assertForbidden(connect(f, "bob").request("{\"type\":\"create\",\"room\":\"lobby\"}"));
            JsonNode created = connect(f, "root;roles=admin").request("{\"type\":\"create\",\"room\":\"lobby\"}");
            assertThat(created.get("type").asText()).as(created.toString()).isEqualTo("created");
        }
    }

    @Test
    void aLaterHelloWhoseTokenNoLongerListsTheRoom_revokesIt_andNoLaterMessageArrives() {
        try (EngineFixture f = server()) {
            RecordingClient carol = connect(f, "carol;rooms=team-a");
            RecordingClient bob = connect(f, "bob;rooms=team-a,team-b");
            assertThat(carol.join("team-a").get("type").asText()).isEqualTo("joined");
            assertThat(bob.join("team-a").get("type").asText()).isEqualTo("joined");
            assertThat(bob.join("team-b").get("type").asText()).isEqualTo("joined");

            JsonNode welcome = bob.request("{\"type\":\"hello\",\"v\":1,\"token\":\"bob;rooms=team-b\"}");
            assertThat(welcome.get("type").asText()).as(welcome.toString()).isEqualTo("welcome");
            // The room lets bob go on its own thread: before or after the welcome, both are fine.
            bob.awaitAll(fr -> "error".equals(fr.path("type").asText()) && "FORBIDDEN".equals(fr.path("code").asText())
                    && !fr.has("ref"), 1, java.time.Duration.ofSeconds(10), "the revoke's error");
            bob.awaitAll(fr -> "left".equals(fr.path("type").asText()) && "team-a".equals(fr.path("room").asText())
                    && !fr.has("ref"), 1, java.time.Duration.ofSeconds(10), "the left push");

            assertThat(carol.publish("team-a", "after").get("type").asText()).isEqualTo("published");
            assertThat(carol.publish("team-b", "other").get("code").asText()).isEqualTo("FORBIDDEN");
            assertThat(bob.publish("team-b", "still in b").get("type").asText()).isEqualTo("published");
            assertThat(bob.messages("team-a")).isEmpty();
            assertForbidden(bob.join("team-a"));
        }
    }
}
