package dev.parley.chat.store.file;

import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.testkit.MessageStoreContract;
import java.nio.file.Path;

/** The file store keeps the contract, with small segments so that reads cross segment boundaries. */
class FileMessageStoreContractTest extends MessageStoreContract {
    @Override
    protected MessageStore newStore(Path directory) {
        return FileMessageStore.open(directory, FileStoreOptions.builder().segmentBytes(64 * 1024).build());
    }

    @Override
    protected MessageStore newStoreRetaining(Path directory, int retainMessages) {
        // Segments of a few records, so that the start falls inside a segment and whole ones are deleted.
        return FileMessageStore.open(directory, FileStoreOptions.builder().segmentBytes(4096)
                .retainMessages(retainMessages).build());
    }

    @Override
    protected boolean persists() {
        return true;
    }
}
