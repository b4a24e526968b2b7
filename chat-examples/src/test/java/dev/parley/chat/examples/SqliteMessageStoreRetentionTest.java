package dev.parley.chat.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class SqliteMessageStoreRetentionTest {
    @TempDir
    Path directory;

    private static Message message(long seq) {
        return new Message("r", seq, "m-" + seq, "u", "b" + seq, seq, MessageKind.TEXT, null, 0, 0, null);
    }

    @Test
    void retainMessages_keepsTheLatestNOfEachRoom_andFirstSeqNeverMovesBack_acrossAReopen() {
        Path file = directory.resolve("parley.db");
        try (SqliteMessageStore store = SqliteMessageStore.open(file, 3)) {
            store.create("r", "", 1L).orElseThrow();
            for (long s = 1; s <= 5; s++) {
                store.append(message(s)).orTimeout(30, TimeUnit.SECONDS).join();
            }
            assertThat(store.readAfter("r", 0, 100)).extracting(Message::seq).containsExactly(3L, 4L, 5L);
            assertThat(store.room("r").orElseThrow().firstSeq()).isEqualTo(3);
        }
        try (SqliteMessageStore store = SqliteMessageStore.open(file, 3)) {
            assertThat(store.room("r").orElseThrow().firstSeq()).isEqualTo(3);
            assertThat(store.room("r").orElseThrow().lastSeq()).isEqualTo(5);
            store.append(message(6)).orTimeout(30, TimeUnit.SECONDS).join();
            assertThat(store.readBefore("r", Long.MAX_VALUE, 100)).extracting(Message::seq).containsExactly(4L, 5L, 6L);
        }
    }
}
