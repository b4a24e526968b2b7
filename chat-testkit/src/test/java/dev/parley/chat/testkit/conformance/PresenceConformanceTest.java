package dev.parley.chat.testkit.conformance;

import static dev.parley.chat.testkit.conformance.Wire.assertError;
import static dev.parley.chat.testkit.conformance.Wire.assertNoPushes;
import static dev.parley.chat.testkit.conformance.Wire.assertType;
import static dev.parley.chat.testkit.conformance.Wire.barrier;
import static dev.parley.chat.testkit.conformance.Wire.users;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.chat.ChatServer;
import dev.parley.chat.testkit.RecordingClient;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** PROTOCOL §4 {@code members}, {@code status}, {@code presence}; §9 "Presence and the grace period", "members, status". */
@Timeout(30)
class PresenceConformanceTest {
    private static final Duration GRACE = Duration.ofSeconds(5);
    /** A 1 ms hello timeout lets {@link ProtocolFixture#advanceAndSettle} observe the timer sweep. */
    private static final Consumer<ChatServer.Builder> TIMERS = b -> b.helloTimeout(Duration.ofMillis(1));

    private static JsonNode members(RecordingClient c, String room) {
        return barrier(c, room).reply();
    }

    private static JsonNode member(JsonNode membersReply, String user) {
        for (JsonNode m : membersReply.get("members")) {
            if (m.get("user").asText().equals(user)) {
                return m;
            }
        }
        throw new AssertionError(user + " is not in " + membersReply);
    }

    @Test
    void members_listsEachUserOnce_withStatusAndLastSeen_andNeedsNoJoin() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            f.joined("alice", "r");
            f.joined("alice", "r");
            f.joined("bob", "r");
            RecordingClient carol = f.client("carol");
            JsonNode reply = members(carol, "r");
            assertThat(reply.get("room").asText()).isEqualTo("r");
            assertThat(users(reply.get("members"))).containsExactlyInAnyOrder("alice", "bob");
            JsonNode alice = member(reply, "alice");
            assertThat(alice.get("status").asText()).isEqualTo("online");
            assertThat(alice.get("lastSeen").isIntegralNumber()).isTrue();
            JsonNode empty = members(carol, "nobody-here");
            assertThat(empty.get("members")).isEmpty();
        }
    }

    @Test
    void members_ofAnotherUsersDirectRoom_isForbidden() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            f.joined("alice", "dm:alice:bob");
            assertError(f.client("carol").request("{\"type\":\"members\",\"room\":\"dm:alice:bob\"}"), "FORBIDDEN");
            assertThat(users(members(f.client("bob"), "dm:alice:bob").get("members"))).containsExactly("alice");
        }
    }

    @Test
    void members_lastSeen_isTheTimeOfTheUsersLastCommand_pingIncluded() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient alice = f.joined("alice", "r");
            RecordingClient bob = f.joined("bob", "r");
            long joinedAt = f.clock.millis();
            f.clock.advance(Duration.ofSeconds(7));
            assertThat(member(members(bob, "r"), "alice").get("lastSeen").asLong()).isEqualTo(joinedAt);
            alice.request("{\"type\":\"ping\"}");
            assertThat(member(members(bob, "r"), "alice").get("lastSeen").asLong()).isEqualTo(f.clock.millis());
        }
    }

    @Test
    void presenceJoin_onlyForTheUsersFirstConnection_andLeave_onlyForItsLast() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient phone = f.joined("alice", "r");
            JsonNode join = bob.awaitType("presence");
            assertThat(join.get("event").asText()).isEqualTo("join");
            assertThat(join.get("user").asText()).isEqualTo("alice");
            RecordingClient laptop = f.joined("alice", "r");
            assertNoPushes(bob, "r", "presence");
            assertType(phone.request("{\"type\":\"leave\",\"room\":\"r\"}"), "left");
            assertNoPushes(bob, "r", "presence");
            assertThat(users(members(bob, "r").get("members"))).contains("alice");
            assertType(laptop.request("{\"type\":\"leave\",\"room\":\"r\"}"), "left");
            JsonNode leave = bob.awaitType("presence");
            assertThat(leave.get("room").asText()).isEqualTo("r");
            assertThat(leave.get("user").asText()).isEqualTo("alice");
            assertThat(leave.get("event").asText()).isEqualTo("leave");
            assertThat(leave.get("status").asText()).isEqualTo("offline");
            assertThat(users(members(bob, "r").get("members"))).containsExactly("bob");
            assertThat(Wire.allOfType(phone, "presence")).isEmpty();
            assertThat(Wire.allOfType(laptop, "presence")).isEmpty();
        }
    }

    @Test
    void lostConnection_sendsLeaveOnlyWhenTheGraceEnds() {
        try (ProtocolFixture f = new ProtocolFixture(TIMERS)) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient alice = f.joined("alice", "r");
            bob.awaitType("presence");
            alice.drop();
            JsonNode during = barrier(bob, "r").reply();
            assertThat(users(during.get("members"))).as("still a member within the grace").contains("alice");
            assertNoPushes(bob, "r", "presence");
            f.advanceAndSettle(GRACE.minusMillis(1));
            assertNoPushes(bob, "r", "presence");
            f.clock.advance(Duration.ofMillis(1));
            JsonNode leave = bob.awaitType("presence");
            assertThat(leave.get("event").asText()).isEqualTo("leave");
            assertThat(leave.get("user").asText()).isEqualTo("alice");
            assertThat(leave.get("status").asText()).isEqualTo("offline");
            assertThat(users(members(bob, "r").get("members"))).containsExactly("bob");
        }
    }

    @Test
    void cleanCloseWithoutLeave_alsoWaitsForTheGrace() {
        try (ProtocolFixture f = new ProtocolFixture(TIMERS)) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient alice = f.joined("alice", "r");
            bob.awaitType("presence");
            alice.close();
            assertNoPushes(bob, "r", "presence");
            f.clock.advance(GRACE);
            assertThat(bob.awaitType("presence").get("event").asText()).isEqualTo("leave");
        }
    }

    @Test
    void rejoinWithinTheGrace_sendsNothing_andKeepsTheStatus() {
        try (ProtocolFixture f = new ProtocolFixture(TIMERS)) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient alice = f.joined("alice", "r");
            assertType(alice.request("{\"type\":\"status\",\"status\":\"away\"}"), "status");
            bob.awaitType("presence");
            assertThat(bob.awaitType("presence").get("event").asText()).isEqualTo("status");
            alice.drop();
            barrier(bob, "r");
            f.advanceAndSettle(Duration.ofSeconds(3));
            RecordingClient back = f.joined("alice", "r");
            JsonNode joined = back.all().stream().filter(Wire.ofType("joined")).findFirst().orElseThrow();
            assertThat(member(joined, "alice").get("status").asText()).isEqualTo("away");
            f.advanceAndSettle(Duration.ofSeconds(10));
            JsonNode after = barrier(bob, "r").reply();
            assertThat(member(after, "alice").get("status").asText()).isEqualTo("away");
            assertThat(Wire.allOfType(bob, "presence")).as("no leave, no second join").hasSize(2);
        }
    }

    @Test
    void status_isReplied_andBroadcastToOthers_onlyOnChange_neverToTheUsersOwnConnections() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient phone = f.joined("alice", "r");
            RecordingClient laptop = f.joined("alice", "r");
            bob.awaitType("presence");
            JsonNode reply = phone.request("{\"type\":\"status\",\"status\":\"dnd\"}");
            assertType(reply, "status");
            assertThat(reply.get("status").asText()).isEqualTo("dnd");
            JsonNode push = bob.awaitType("presence");
            assertThat(push.get("room").asText()).isEqualTo("r");
            assertThat(push.get("user").asText()).isEqualTo("alice");
            assertThat(push.get("status").asText()).isEqualTo("dnd");
            assertThat(push.get("event").asText()).isEqualTo("status");
            assertThat(laptop.request("{\"type\":\"status\",\"status\":\"dnd\"}").get("status").asText()).isEqualTo("dnd");
            assertNoPushes(bob, "r", "presence");
            assertThat(Wire.allOfType(phone, "presence")).isEmpty();
            assertThat(Wire.allOfType(laptop, "presence")).isEmpty();
            assertThat(member(members(bob, "r"), "alice").get("status").asText()).isEqualTo("dnd");
            laptop.request("{\"type\":\"status\",\"status\":\"online\"}");
            assertThat(bob.awaitType("presence").get("status").asText()).isEqualTo("online");
        }
    }

    @Test
    void status_isPerUser_andReachesEveryRoomOfTheUser() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient bob = f.joined("bob", "a");
            bob.join("b");
            RecordingClient phone = f.joined("alice", "a");
            RecordingClient laptop = f.joined("alice", "b");
            bob.awaitType("presence");
            bob.awaitType("presence");
            phone.request("{\"type\":\"status\",\"status\":\"away\"}");
            JsonNode first = bob.awaitType("presence");
            JsonNode second = bob.awaitType("presence");
            assertThat(java.util.List.of(first.get("room").asText(), second.get("room").asText()))
                    .containsExactlyInAnyOrder("a", "b");
            assertThat(member(members(laptop, "b"), "alice").get("status").asText()).isEqualTo("away");
            // A new connection of the user, while another is open, keeps the status.
            RecordingClient tablet = f.joined("alice", "c");
            assertThat(member(members(tablet, "c"), "alice").get("status").asText()).isEqualTo("away");
        }
    }

    @Test
    void status_isResetToOnline_whenTheUserComesBackFromOffline() {
        try (ProtocolFixture f = new ProtocolFixture(TIMERS)) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient alice = f.joined("alice", "r");
            alice.request("{\"type\":\"status\",\"status\":\"away\"}");
            alice.drop();
            f.clock.advance(GRACE.plusSeconds(1));
            bob.await(p -> "presence".equals(p.path("type").asText()) && "leave".equals(p.path("event").asText()),
                    RecordingClient.DEFAULT_TIMEOUT, "presence leave");
            f.advanceAndSettle(Duration.ofSeconds(1));
            RecordingClient back = f.joined("alice", "r");
            JsonNode join = bob.awaitType("presence");
            assertThat(join.get("event").asText()).isEqualTo("join");
            assertThat(join.get("status").asText()).isEqualTo("online");
            assertThat(member(members(back, "r"), "alice").get("status").asText()).isEqualTo("online");
        }
    }

    @Test
    void status_withAnInvalidValue_isBadRequest_andChangesNothing() {
        try (ProtocolFixture f = new ProtocolFixture()) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient alice = f.joined("alice", "r");
            assertError(alice.request("{\"type\":\"status\",\"status\":\"offline\"}"), "BAD_REQUEST");
            assertError(alice.request("{\"type\":\"status\",\"status\":\"Away\"}"), "BAD_REQUEST");
            assertThat(member(members(bob, "r"), "alice").get("status").asText()).isEqualTo("online");
        }
    }
    @Test
    void joinLeaveJoinPipelined_thenLostConnection_stillSendsLeaveAfterTheGrace() {
        try (GatedExecutor gate = new GatedExecutor();
                ProtocolFixture f = new ProtocolFixture(b -> TIMERS.andThen(x -> x.executor(gate)).accept(b))) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient alice = f.client("alice");
            gate.hold();
            alice.send("{\"type\":\"join\",\"room\":\"r\",\"ref\":\"j1\"}");
            alice.send("{\"type\":\"leave\",\"room\":\"r\",\"ref\":\"l\"}");
            alice.send("{\"type\":\"join\",\"room\":\"r\",\"ref\":\"j2\"}");
            gate.release();
            alice.await(fr -> "j2".equals(fr.path("ref").asText()), RecordingClient.DEFAULT_TIMEOUT, "second joined");
            assertThat(users(members(bob, "r").get("members"))).contains("alice");
            alice.drop();
            barrier(bob, "r");
            f.clock.advance(GRACE.plusSeconds(1));
            bob.await(p -> "presence".equals(p.path("type").asText()) && "leave".equals(p.path("event").asText())
                    && bob.all().stream().filter(Wire.ofType("presence")).filter(q -> "leave".equals(q.path("event").asText())).count() >= 2,
                    java.time.Duration.ofSeconds(5), "the second presence leave of alice (after the grace)");
            assertThat(users(members(bob, "r").get("members"))).containsExactly("bob");
        }
    }
    @Test
    void joinLeaveJoinPipelined_statusChangesStillReachTheRoom() {
        try (GatedExecutor gate = new GatedExecutor();
                ProtocolFixture f = new ProtocolFixture(b -> b.executor(gate))) {
            RecordingClient bob = f.joined("bob", "r");
            RecordingClient alice = f.client("alice");
            gate.hold();
            alice.send("{\"type\":\"join\",\"room\":\"r\",\"ref\":\"j1\"}");
            alice.send("{\"type\":\"leave\",\"room\":\"r\",\"ref\":\"l\"}");
            alice.send("{\"type\":\"join\",\"room\":\"r\",\"ref\":\"j2\"}");
            gate.release();
            alice.await(fr -> "j2".equals(fr.path("ref").asText()), RecordingClient.DEFAULT_TIMEOUT, "second joined");
            alice.request("{\"type\":\"status\",\"status\":\"dnd\"}");
            bob.await(p -> "presence".equals(p.path("type").asText()) && "status".equals(p.path("event").asText()),
                    java.time.Duration.ofSeconds(5), "presence status dnd of alice");
        }
    }
}
