package dev.parley.chat.testkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.client.HistoryPage;
import dev.parley.chat.client.HistoryQuery;
import dev.parley.chat.client.JoinedRoom;
import dev.parley.chat.client.MessageDraft;
import dev.parley.chat.client.ParleyClient;
import dev.parley.chat.client.PresenceEvent;
import dev.parley.chat.client.PublishedMessage;
import dev.parley.chat.client.RoomSubscription;
import dev.parley.chat.client.Welcome;
import dev.parley.chat.protocol.RoomSummary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ParleyClientTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void connect_saysHello_andCompletesWithTheWelcome() throws Exception {
        try (ClientFixture f = new ClientFixture()) {
            ParleyClient alice = f.track(f.builder("alice").clientName("test").build());

            Welcome welcome = alice.connect().get(10, TimeUnit.SECONDS);

            assertThat(welcome.user()).isEqualTo("alice");
            assertThat(welcome.publishPerSecond()).isEqualTo(10);
            assertThat(alice.isConnected()).isTrue();
        }
    }

    @Test
    void publish_isAcknowledgedWithItsSeq_andReachesEveryMembersListenerOnce() throws Exception {
        try (ClientFixture f = new ClientFixture()) {
            ParleyClient alice = f.client("alice");
            ParleyClient bob = f.client("bob");
            RecordingRoomListener aliceSees = new RecordingRoomListener();
            RecordingRoomListener bobSees = new RecordingRoomListener();
            JoinedRoom joined = alice.join("general", aliceSees).joined().get(10, TimeUnit.SECONDS);
            bob.join("general", bobSees).joined().get(10, TimeUnit.SECONDS);

            PublishedMessage first = alice.publish("general", "hello").get(10, TimeUnit.SECONDS);
            PublishedMessage second = bob.publish("general", "hi alice").get(10, TimeUnit.SECONDS);

            assertThat(joined.seq()).isZero();
            assertThat(joined.recovered()).isFalse();
            assertThat(first.seq()).isEqualTo(1);
            assertThat(first.duplicate()).isFalse();
            assertThat(second.seq()).isEqualTo(2);
            for (RecordingRoomListener sees : List.of(aliceSees, bobSees)) {
                await().atMost(WAIT).until(() -> sees.messages.size() == 2);
                assertThat(sees.seqs()).containsExactly(1L, 2L);
                assertThat(sees.bodies()).containsExactly("hello", "hi alice");
                assertThat(sees.joined).hasSize(1);
                // Application code never runs on the client's I/O thread.
                assertThat(sees.threads).allMatch(t -> t.contains("-callbacks-"));
            }
            Message m = aliceSees.messages.get(0);
            assertThat(m.user()).isEqualTo("alice");
            assertThat(m.cid()).isEqualTo(first.cid());
            assertThat(m.id()).isEqualTo(first.id());
        }
    }

    @Test
    void joinAndPublishBeforeConnect_goOutOnceConnected() throws Exception {
        try (ClientFixture f = new ClientFixture()) {
            ParleyClient alice = f.track(f.builder("alice").build());
            RecordingRoomListener sees = new RecordingRoomListener();
            RoomSubscription room = alice.join("early", sees);
            CompletableFuture<PublishedMessage> ack = alice.publish("early", "queued");

            alice.connect().get(10, TimeUnit.SECONDS);

            assertThat(ack.get(10, TimeUnit.SECONDS).seq()).isEqualTo(1);
            await().atMost(WAIT).until(() -> sees.messages.size() == 1);
            assertThat(room.lastSeq()).isEqualTo(1);
            assertThat(room.epoch()).isNotNull();
        }
    }

    @Test
    void join_givesTheLatestMessagesAsASnapshot_andLiveMessagesContinueAfterIt() throws Exception {
        try (ClientFixture f = new ClientFixture()) {
            for (int i = 1; i <= 5; i++) {
                f.server.room("busy").publish("bot", "old " + i).get(10, TimeUnit.SECONDS);
            }
            ParleyClient alice = f.client("alice");
            RecordingRoomListener sees = new RecordingRoomListener();
            JoinedRoom joined = alice.join("busy", sees).joined().get(10, TimeUnit.SECONDS);
            f.server.room("busy").publish("bot", "new").get(10, TimeUnit.SECONDS);

            assertThat(joined.seq()).isEqualTo(5);
            assertThat(joined.messages()).extracting(Message::body)
                    .containsExactly("old 1", "old 2", "old 3", "old 4", "old 5");
            await().atMost(WAIT).until(() -> sees.messages.size() == 1);
            assertThat(sees.seqs()).containsExactly(6L);
        }
    }

    @Test
    void history_pagesBackwardsAndForwards_throughTheWholeLog() throws Exception {
        try (ClientFixture f = new ClientFixture()) {
            for (int i = 1; i <= 25; i++) {
                f.server.room("log").publish("bot", "m" + i).get(10, TimeUnit.SECONDS);
            }
            ParleyClient alice = f.client("alice");

            HistoryPage latest = alice.history("log", HistoryQuery.latest(10)).get(10, TimeUnit.SECONDS);
            HistoryPage middle = alice.history("log", HistoryQuery.before(16, 10)).get(10, TimeUnit.SECONDS);
            HistoryPage oldest = alice.history("log", HistoryQuery.before(6, 10)).get(10, TimeUnit.SECONDS);
            HistoryPage forward = alice.history("log", HistoryQuery.after(20, 10)).get(10, TimeUnit.SECONDS);
            HistoryPage fromStart = alice.history("log", HistoryQuery.after(0, 3)).get(10, TimeUnit.SECONDS);

            assertThat(seqs(latest)).containsExactlyElementsOf(range(16, 25));
            assertThat(latest.hasMore()).isTrue();
            assertThat(seqs(middle)).containsExactlyElementsOf(range(6, 15));
            assertThat(middle.hasMore()).isTrue();
            assertThat(seqs(oldest)).containsExactlyElementsOf(range(1, 5));
            assertThat(oldest.hasMore()).isFalse();
            assertThat(seqs(forward)).containsExactlyElementsOf(range(21, 25));
            assertThat(forward.hasMore()).isFalse();
            assertThat(seqs(fromStart)).containsExactly(1L, 2L, 3L);
            assertThat(fromStart.hasMore()).isTrue();
            assertThat(latest.messages().get(0).body()).isEqualTo("m16");
        }
    }

    @Test
    void create_makesTheRoomWithItsTopic_withoutJoining_andASecondCreateFailsWithRoomExists() throws Exception {
        try (ClientFixture f = new ClientFixture()) {
            ParleyClient alice = f.client("alice");

            assertThat(alice.create("plans", "what we do next").get(10, TimeUnit.SECONDS)).isEqualTo("plans");
            ExecutionException again = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> alice.create("plans", "").get(10, TimeUnit.SECONDS));

            assertThat(again.getCause()).isInstanceOf(ChatException.class);
            assertThat(((ChatException) again.getCause()).code()).isEqualTo(ErrorCode.ROOM_EXISTS);
            assertThat(alice.rooms().get(10, TimeUnit.SECONDS)).contains(new RoomSummary("plans", "what we do next", 0, 0, 0));
        }
    }

    @Test
    void presenceTypingStatusAndReceipts_ofOthers_reachTheListener() throws Exception {
        try (ClientFixture f = new ClientFixture()) {
            ParleyClient alice = f.client("alice");
            ParleyClient bob = f.client("bob");
            RecordingRoomListener aliceSees = new RecordingRoomListener();
            alice.join("team", aliceSees).joined().get(10, TimeUnit.SECONDS);

            RoomSubscription bobInTeam = bob.join("team", new RecordingRoomListener());
            JoinedRoom bobJoined = bobInTeam.joined().get(10, TimeUnit.SECONDS);
            bobInTeam.typing(true);
            PresenceStatus chosen = bob.status(PresenceStatus.AWAY).get(10, TimeUnit.SECONDS);
            long seq = bob.publish("team", "news").get(10, TimeUnit.SECONDS).seq();
            long marker = bob.markRead("team", seq).get(10, TimeUnit.SECONDS);
            List<Member> members = alice.members("team").get(10, TimeUnit.SECONDS);
            List<RoomSummary> rooms = alice.rooms().get(10, TimeUnit.SECONDS);
            bobInTeam.typing(false);
            bobInTeam.leave().get(10, TimeUnit.SECONDS);

            assertThat(bobJoined.members()).extracting(Member::user).containsExactlyInAnyOrder("alice", "bob");
            assertThat(chosen).isEqualTo(PresenceStatus.AWAY);
            assertThat(marker).isEqualTo(seq);
            assertThat(members).extracting(Member::user).containsExactlyInAnyOrder("alice", "bob");
            assertThat(rooms).extracting(RoomSummary::room).contains("team");
            await().atMost(WAIT).until(() -> aliceSees.presence.size() == 3 && aliceSees.typing.size() == 2);
            assertThat(aliceSees.presence).containsExactly(
                    new PresenceEvent("team", "bob", PresenceStatus.ONLINE, PresenceEvent.Kind.JOIN),
                    new PresenceEvent("team", "bob", PresenceStatus.AWAY, PresenceEvent.Kind.STATUS),
                    new PresenceEvent("team", "bob", PresenceStatus.OFFLINE, PresenceEvent.Kind.LEAVE));
            assertThat(aliceSees.typing).containsExactly("bob:true", "bob:false");
            assertThat(aliceSees.receipts).containsExactly("bob:" + seq);
        }
    }

    @Test
    void typing_ofThisUser_isNotEchoedToItself_andLeaveStopsEvents() throws Exception {
        try (ClientFixture f = new ClientFixture()) {
            ParleyClient alice = f.client("alice");
            ParleyClient bob = f.client("bob");
            RecordingRoomListener aliceSees = new RecordingRoomListener();
            RoomSubscription sub = alice.join("quiet", aliceSees);
            sub.joined().get(10, TimeUnit.SECONDS);
            bob.join("quiet", new RecordingRoomListener()).joined().get(10, TimeUnit.SECONDS);
            sub.typing(true);
            sub.leave().get(10, TimeUnit.SECONDS);
            bob.publish("quiet", "after alice left").get(10, TimeUnit.SECONDS);
            // A second subscription to the room is possible once the first has left.
            JoinedRoom again = alice.join("quiet", new RecordingRoomListener()).joined().get(10, TimeUnit.SECONDS);

            assertThat(aliceSees.typing).isEmpty();
            assertThat(aliceSees.messages).isEmpty();
            assertThat(again.messages()).extracting(Message::body).containsExactly("after alice left");
        }
    }

    @Test
    void publish_ofEditsReactionsAndMeta_roundTrips() throws Exception {
        try (ClientFixture f = new ClientFixture()) {
            ParleyClient alice = f.client("alice");
            RecordingRoomListener sees = new RecordingRoomListener();
            alice.join("kinds", sees).joined().get(10, TimeUnit.SECONDS);

            long text = alice.publish("kinds", MessageDraft.text("hello")
                    .withMeta("{ \"url\" : \"https://example.com/a.png\", \"size\": 12 }")).get(10, TimeUnit.SECONDS).seq();
            alice.publish("kinds", MessageDraft.edit(text, "hello!")).get(10, TimeUnit.SECONDS);
            alice.publish("kinds", MessageDraft.react(text, "👍")).get(10, TimeUnit.SECONDS);
            alice.publish("kinds", MessageDraft.reply(text, "answer")).get(10, TimeUnit.SECONDS);

            await().atMost(WAIT).until(() -> sees.messages.size() == 4);
            assertThat(sees.messages.get(0).meta()).isEqualTo("{\"url\":\"https://example.com/a.png\",\"size\":12}");
            assertThat(sees.messages).extracting(Message::kind)
                    .containsExactly(MessageKind.TEXT, MessageKind.EDIT, MessageKind.REACT, MessageKind.TEXT);
            assertThat(sees.messages.get(1).target()).isEqualTo(text);
            assertThat(sees.messages.get(3).replyTo()).isEqualTo(text);
            assertThatThrownBy(() -> alice.publish("kinds", MessageDraft.text("x").withMeta("not json")))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void publishErrors_failTheFuture_withTheServersErrorCode() throws Exception {
        try (ClientFixture f = new ClientFixture(b -> b.maxBodyBytes(16))) {
            ParleyClient alice = f.client("alice");
            alice.join("r", new RecordingRoomListener()).joined().get(10, TimeUnit.SECONDS);

            CompletableFuture<PublishedMessage> notJoined = alice.publish("elsewhere", "hi");
            CompletableFuture<PublishedMessage> tooLarge = alice.publish("r", "x".repeat(17));
            CompletableFuture<PublishedMessage> noTarget = alice.publish("r", MessageDraft.edit(99, "nope"));

            assertThat(codeOf(notJoined)).isEqualTo(ErrorCode.NOT_IN_ROOM);
            assertThat(codeOf(tooLarge)).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
            assertThat(codeOf(noTarget)).isEqualTo(ErrorCode.NOT_FOUND);
            // The client is still fine.
            assertThat(alice.publish("r", "ok").get(10, TimeUnit.SECONDS).seq()).isEqualTo(1);
        }
    }

    @Test
    void joinRefused_failsTheSubscription_andTellsTheListener() throws Exception {
        try (ClientFixture f = new ClientFixture()) {
            ParleyClient alice = f.client("alice");
            RecordingRoomListener sees = new RecordingRoomListener();

            RoomSubscription sub = alice.join("dm:bob:carol", sees);

            assertThat(codeOf(sub.joined())).isEqualTo(ErrorCode.FORBIDDEN);
            await().atMost(WAIT).until(() -> sees.failures.size() == 1);
            assertThat(sees.failures.get(0).code()).isEqualTo(ErrorCode.FORBIDDEN);
            // The room can be joined again (and refused again) because the subscription ended.
            assertThat(codeOf(alice.join("dm:bob:carol", new RecordingRoomListener()).joined()))
                    .isEqualTo(ErrorCode.FORBIDDEN);
        }
    }

    @Test
    void rateLimitedPublishes_areResentAfterRetryAfter_andAllLandWithoutLosingTheConnection() throws Exception {
        // The server allows bursts of 2 but announces 20 per second: the client's own pacing is
        // too generous at first and has to learn from RATE_LIMITED.
        try (ClientFixture f = new ClientFixture(b -> b.publishPerSecond(20).publishBurst(2))) {
            ParleyClient alice = f.client("alice");
            RecordingRoomListener sees = new RecordingRoomListener();
            alice.join("fast", sees).joined().get(10, TimeUnit.SECONDS);

            List<CompletableFuture<PublishedMessage>> acks = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                acks.add(alice.publish("fast", "m" + i));
            }
            CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);

            assertThat(acks.stream().map(a -> a.join().seq()).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrderElementsOf(range(1, 40));
            await().atMost(WAIT).until(() -> sees.messages.size() == 40);
            assertThat(sees.seqs()).containsExactlyElementsOf(range(1, 40));
            assertThat(f.connector.connectionsOpened()).isEqualTo(1);
        }
    }

    @Test
    void close_waitsForPublishesUnderWay_thenRefusesNewWork() throws Exception {
        try (ClientFixture f = new ClientFixture(b -> b.publishPerSecond(1000).publishBurst(1000))) {
            ParleyClient alice = f.client("alice");
            alice.join("bye", new RecordingRoomListener()).joined().get(10, TimeUnit.SECONDS);
            List<CompletableFuture<PublishedMessage>> acks = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                acks.add(alice.publish("bye", "m" + i));
            }

            alice.close();

            assertThat(acks).allMatch(a -> a.isDone() && !a.isCompletedExceptionally());
            assertThat(alice.isConnected()).isFalse();
            assertThatThrownBy(() -> alice.publish("bye", "late")).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> alice.join("bye", new RecordingRoomListener()))
                    .isInstanceOf(IllegalStateException.class);
            await().atMost(WAIT).until(() -> f.connector.openConnections().isEmpty());
        }
    }

    @Test
    void helloRefused_givesUp_andFailsConnect() throws Exception {
        try (ClientFixture f = new ClientFixture()) {
            // No user: the trusting authenticator refuses the hello; retrying cannot help.
            ParleyClient nobody = f.track(ParleyClient.builder(f.connector).backoff(ClientFixture.FAST).build());

            assertThat(codeOf(nobody.connect())).isEqualTo(ErrorCode.UNAUTHENTICATED);
            assertThat(f.connector.connectionsOpened()).isEqualTo(1);
        }
    }

    static ErrorCode codeOf(CompletableFuture<?> future) throws Exception {
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ChatException.class);
            return ((ChatException) e.getCause()).code();
        }
        throw new AssertionError("expected the future to fail, but it completed with " + future.join());
    }

    static List<Long> seqs(HistoryPage page) {
        return page.messages().stream().map(Message::seq).collect(Collectors.toList());
    }

    static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().collect(Collectors.toList());
    }
}
