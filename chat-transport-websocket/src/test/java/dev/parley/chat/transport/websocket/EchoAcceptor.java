package dev.parley.chat.transport.websocket;

import dev.parley.chat.spi.Connection;
import dev.parley.chat.spi.ConnectionAcceptor;
import dev.parley.chat.spi.ConnectionHandler;
import dev.parley.chat.spi.OutboundFrame;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A stub engine for the WebSocket ITs: records connections and echoes every text frame. */
final class EchoAcceptor implements ConnectionAcceptor {
    static final Duration WAIT = Duration.ofSeconds(30);

    private final BlockingQueue<Handler> accepted = new LinkedBlockingQueue<>();
    final AtomicInteger count = new AtomicInteger();

    @Override
    public ConnectionHandler accept(Connection connection) {
        Handler handler = new Handler(connection);
        count.incrementAndGet();
        accepted.add(handler);
        return handler;
    }

    Handler next() throws InterruptedException {
        Handler handler = accepted.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (handler == null) {
            throw new AssertionError("no connection accepted within " + WAIT);
        }
        return handler;
    }

    static final class Handler implements ConnectionHandler {
        final Connection connection;
        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        Handler(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void onText(String text) {
            texts.add(text);
            connection.send(OutboundFrame.ofText(text));
        }

        @Override
        public void onBinary() {}

        @Override
        public void onDrained() {}

        @Override
        public void onClosed(int code, String reason) {
            closed.complete(code);
        }

        int awaitClosed() throws Exception {
            return closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
