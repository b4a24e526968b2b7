package dev.parley.chat.testkit;

import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.Sequencer;

/**
 * The local sequencer keeps the contract. It counts and deduplicates in its own memory, so two of
 * them cannot share one store (each would count from what it saw): the contract gets the same
 * sequencer twice, which still checks it under concurrent callers.
 */
class LocalSequencerContractTest extends SequencerContract {
    @Override
    protected SharedLog openSharedLog() {
        MessageStore store = MessageStore.inMemory();
        Sequencer one = Sequencer.local(store, 10_000);
        return new SharedLog(store, one, one, store::close);
    }
}
