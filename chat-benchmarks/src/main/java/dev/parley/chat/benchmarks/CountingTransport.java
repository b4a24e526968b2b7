package dev.parley.chat.benchmarks;

import dev.parley.chat.spi.Connection;
import dev.parley.chat.spi.ConnectionAcceptor;
import dev.parley.chat.spi.ConnectionHandler;
import dev.parley.chat.spi.Handshake;
import dev.parley.chat.spi.OutboundFrame;
import dev.parley.chat.spi.Transport;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A transport whose connections only count what they are sent: the engine's own cost, without a
 * network or a client that parses frames.
 */
final class CountingTransport implements Transport {
    private final AtomicInteger ids = new AtomicInteger();
    private volatile ConnectionAcceptor acceptor;

    @Override
    public void start(ConnectionAcceptor theAcceptor) {
        this.acceptor = theAcceptor;
    }

    CountingConnection connect() {
        CountingConnection connection = new CountingConnection("bench-" + ids.incrementAndGet());
        connection.handler = acceptor.accept(connection);
        return connection;
    }

    @Override
    public void close() {}

    static final class CountingConnection implements Connection {
        private final String id;
        final LongAdder frames = new LongAdder();
        volatile long messages;
        ConnectionHandler handler;

        CountingConnection(String id) {
            this.id = id;
        }

        /** Sends a client frame to the engine. */
        void fromClient(String text) {
            handler.onText(text);
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public Handshake handshake() {
            return new Handshake("bench", null);
        }

        @Override
        public boolean send(OutboundFrame frame) {
            frames.increment();
            // One writer per connection at a time (the room's mailbox), so a plain volatile is enough.
            messages = messages + 1;
            return true;
        }

        @Override
        public long queuedBytes() {
            return 0;
        }

        @Override
        public void requestDrainNotice() {
            handler.onDrained();
        }

        @Override
        public void close(int code, String reason) {}
    }
}
