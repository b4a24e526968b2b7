package dev.parley.chat.store.file;

import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.testkit.MessageStoreContract;
import java.nio.file.Path;

/** The contract holds with durability NONE too. */
class FileMessageStoreNoneContractTest extends MessageStoreContract {
    @Override
    protected MessageStore newStore(Path directory) {
        return FileMessageStore.open(directory,
                FileStoreOptions.builder().durability(Durability.NONE).segmentBytes(64 * 1024).build());
    }

    @Override
    protected MessageStore newStoreRetaining(Path directory, int retainMessages) {
        return FileMessageStore.open(directory, FileStoreOptions.builder().durability(Durability.NONE)
                .segmentBytes(4096).retainMessages(retainMessages).build());
    }

    @Override
    protected boolean persists() {
        return true;
    }
}
