package dev.parley.chat.testkit;

import dev.parley.chat.spi.MessageStore;
import java.nio.file.Path;

/** The in-memory store keeps the contract (it does not persist, so reopening starts afresh). */
class InMemoryMessageStoreContractTest extends MessageStoreContract {
    @Override
    protected MessageStore newStore(Path directory) {
        return MessageStore.inMemory();
    }

    @Override
    protected MessageStore newStoreRetaining(Path directory, int retainMessages) {
        return MessageStore.inMemory(retainMessages);
    }
}
