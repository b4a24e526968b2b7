package dev.parley.chat.examples;

import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.testkit.MessageStoreContract;
import java.nio.file.Path;

/** The SQLite example store keeps everything {@code MessageStoreContract} asks of a store. */
class SqliteMessageStoreContractTest extends MessageStoreContract {
    @Override
    protected MessageStore newStore(Path directory) {
        return SqliteMessageStore.open(directory.resolve("parley.db"));
    }

    @Override
    protected boolean persists() {
        return true;
    }
}
