package dev.parley.chat.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import dev.parley.chat.StoreException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class LocalSequencerTest {
    private final MessageStore store = new InMemoryMessageStore(1000);

    private static Message draft(String user, String body, String cid) {
        return new Message("r", 0, Ids.newMessageId(1), user, body, 1, MessageKind.TEXT, cid, 0, 0, null);
    }

    @Test
    void numbersFromTheStoresLastSeq_andAnswersACidUsedAgainWithTheOriginal() {
        store.create("r", "", 0);
        LocalSequencer sequencer = new LocalSequencer(store, 10);
        Sequenced first = sequencer.append(draft("alice", "one", "c1")).join();
        Sequenced second = sequencer.append(draft("alice", "two", null)).join();
        Sequenced again = sequencer.append(draft("alice", "changed", "c1")).join();
        assertThat(first.message().seq()).isEqualTo(1);
        assertThat(second.message().seq()).isEqualTo(2);
        assertThat(again.duplicate()).isTrue();
        assertThat(again.message()).isEqualTo(first.message());
        assertThat(sequencer.append(draft("bob", "same cid, other user", "c1")).join().duplicate()).isFalse();
    }

    @Test
    void aCidIsForgottenOnlyAfterTheWindowHasPassedIt() {
        store.create("r", "", 0);
        LocalSequencer sequencer = new LocalSequencer(store, 3);
        sequencer.append(draft("alice", "x", "c1")).join();
        sequencer.append(draft("alice", "x", null)).join();
        sequencer.append(draft("alice", "x", null)).join();
        assertThat(sequencer.append(draft("alice", "x", "c1")).join().duplicate()).isTrue(); // seq 1 is 3rd latest
        sequencer.append(draft("alice", "x", null)).join();
        assertThat(sequencer.append(draft("alice", "x", "c1")).join().duplicate()).isFalse();
    }

    @Test
    void theWindowIsRebuiltFromTheStore_afterARestartOrARelease() {
        store.create("r", "", 0);
        Sequenced original = new LocalSequencer(store, 10).append(draft("alice", "one", "c1")).join();
        LocalSequencer restarted = new LocalSequencer(store, 10);
        assertThat(restarted.append(draft("alice", "one", "c1")).join().message()).isEqualTo(original.message());
        restarted.release("r");
        Sequenced afterRelease = restarted.append(draft("alice", "one", "c1")).join();
        assertThat(afterRelease.duplicate()).isTrue();
        assertThat(afterRelease.message().id()).isEqualTo(original.message().id());
        assertThat(restarted.append(draft("alice", "next", null)).join().message().seq()).isEqualTo(2);
    }

    @Test
    void aFailedAppendLeavesNoTrace_andTheNextStartsFromTheStore() {
        store.create("r", "", 0);
        boolean[] failing = {true};
        MessageStore flaky = new ForwardingStore(store) {
            @Override
            public CompletableFuture<Void> append(Message message) {
                return failing[0] ? CompletableFuture.failedFuture(new StoreException("disk full")) : super.append(message);
            }
        };
        LocalSequencer sequencer = new LocalSequencer(flaky, 10);
        assertThatThrownBy(() -> sequencer.append(draft("alice", "one", "c1")).join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(StoreException.class);
        failing[0] = false;
        Sequenced retried = sequencer.append(draft("alice", "one", "c1")).join();
        assertThat(retried.duplicate()).isFalse();
        assertThat(retried.message().seq()).isEqualTo(1);
        assertThat(sequencer.append(draft("alice", "one", "c1")).join().duplicate()).isTrue();
    }

    @Test
    void aDuplicateOfAnAppendInFlight_waitsForItsOutcome() {
        store.create("r", "", 0);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        MessageStore slow = new ForwardingStore(store) {
            @Override
            public CompletableFuture<Void> append(Message message) {
                return gate.thenCompose(v -> super.append(message));
            }
        };
        LocalSequencer sequencer = new LocalSequencer(slow, 10);
        CompletableFuture<Sequenced> first = sequencer.append(draft("alice", "one", "c1"));
        CompletableFuture<Sequenced> duplicate = sequencer.append(draft("alice", "one", "c1"));
        assertThat(duplicate).isNotDone();
        gate.complete(null);
        assertThat(duplicate.join().duplicate()).isTrue();
        assertThat(duplicate.join().message().seq()).isEqualTo(first.join().message().seq());
    }

    /** A store that passes every call on. */
    private static class ForwardingStore implements MessageStore {
        private final MessageStore d;

        ForwardingStore(MessageStore d) {
            this.d = d;
        }

        @Override
        public java.util.Optional<dev.parley.chat.spi.RoomInfo> room(String room) {
            return d.room(room);
        }

        @Override
        public java.util.Optional<dev.parley.chat.spi.RoomInfo> create(String room, String topic, long createdAt) {
            return d.create(room, topic, createdAt);
        }

        @Override
        public CompletableFuture<Void> append(Message message) {
            return d.append(message);
        }

        @Override
        public java.util.List<Message> readAfter(String room, long afterSeq, int limit) {
            return d.readAfter(room, afterSeq, limit);
        }

        @Override
        public java.util.List<Message> readBefore(String room, long beforeSeq, int limit) {
            return d.readBefore(room, beforeSeq, limit);
        }

        @Override
        public long readMarker(String room, String user) {
            return d.readMarker(room, user);
        }

        @Override
        public long moveReadMarker(String room, String user, long seq) {
            return d.moveReadMarker(room, user, seq);
        }

        @Override
        public java.util.List<dev.parley.chat.spi.RoomInfo> rooms() {
            return d.rooms();
        }

        @Override
        public void close() {
            d.close();
        }
    }
}
