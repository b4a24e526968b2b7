package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.parley.chat.Message;
import dev.parley.chat.spi.MessageStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A store with a planted bug fails the contract with a sentence that names the rule and the first
 * element that differs, not with two lists of thousands of numbers.
 */
@Timeout(60)
class ContractFailureMessagesTest {

    @Test
    void appendsCompletingOutOfOrder_failWithTheRule_andTheFirstDifference() {
        Planted contract = new Planted(new Planted.Store(true, false));
        contract.openStore();
        try {
            Throwable failure = catchThrowable(contract::append_ofOneRoom_completesInSeqOrder);

            assertThat(failure).isInstanceOf(AssertionError.class);
            assertThat(failure.getMessage())
                    .startsWith("appends must complete in seq order per room")
                    .contains("at index 2 expected 3 but was 4 (expected 2000 elements, got 2000)")
                    .hasSizeLessThan(300);
        } finally {
            contract.closeStore();
        }
    }

    @Test
    void aReadThatSkipsAMessage_failsWithTheRule_andTheFirstDifference() {
        Planted contract = new Planted(new Planted.Store(false, true));
        contract.openStore();
        try {
            Throwable failure = catchThrowable(contract::readAfter_returnsAscendingUpToLimit);

            assertThat(failure).isInstanceOf(AssertionError.class);
            assertThat(failure.getMessage())
                    .startsWith("readAfter(room, after, limit) must return the messages after `after`")
                    .contains("at index 4 expected 5 but was 6");
        } finally {
            contract.closeStore();
        }
    }

    @Test
    void firstDifference_saysWhichElementIsMissingOrExtra() {
        assertThat(ContractAssertions.firstDifference(List.of(1L, 2L), List.of(1L, 2L, 3L)))
                .isEqualTo("the first 2 agree, then 3 is missing (expected 3 elements, got 2)");
        assertThat(ContractAssertions.firstDifference(List.of(1L, 2L, 9L), List.of(1L, 2L)))
                .isEqualTo("the first 2 agree, then 9 is one too many (expected 2 elements, got 3)");
        assertThat(ContractAssertions.firstDifference(List.of(1L), List.of(1L))).isNull();
    }

    /** The contract run by hand against one planted store; not discovered on its own (nested). */
    static final class Planted extends MessageStoreContract {
        private final Store planted;

        Planted(Store planted) {
            this.planted = planted;
        }

        @Override
        protected MessageStore newStore(Path directory) {
            return planted;
        }

        /** The in-memory store with a planted bug. */
        static final class Store extends ForwardingMessageStore {
            /** Seq 3's append completes only after seq 5's did. */
            private final boolean reorderCompletions;
            /** Reads leave out seq 5. */
            private final boolean skipFive;
            private CompletableFuture<Void> heldThree;

            Store(boolean reorderCompletions, boolean skipFive) {
                super(MessageStore.inMemory());
                this.reorderCompletions = reorderCompletions;
                this.skipFive = skipFive;
            }

            @Override
            public synchronized CompletableFuture<Void> append(Message message) {
                CompletableFuture<Void> stored = delegate.append(message);
                if (!reorderCompletions) {
                    return stored;
                }
                stored.join();
                if (message.seq() == 3) {
                    heldThree = new CompletableFuture<>();
                    return heldThree;
                }
                if (message.seq() == 6) {
                    heldThree.complete(null);
                }
                return stored;
            }

            @Override
            public List<Message> readAfter(String room, long afterSeq, int limit) {
                if (!skipFive) {
                    return delegate.readAfter(room, afterSeq, limit);
                }
                return delegate.readAfter(room, afterSeq, limit + 1).stream()
                        .filter(m -> m.seq() != 5).limit(limit).collect(Collectors.toList());
            }

        }
    }
}
