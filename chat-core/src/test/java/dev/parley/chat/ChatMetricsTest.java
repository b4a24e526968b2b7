package dev.parley.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import dev.parley.chat.spi.Connection;
import dev.parley.chat.spi.ConnectionAcceptor;
import dev.parley.chat.spi.ConnectionHandler;
import dev.parley.chat.spi.Handshake;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.OutboundFrame;
import dev.parley.chat.spi.Transport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The engine tells the {@link ChatMetrics} hook what it does, and a failing hook changes nothing. */
@Timeout(30)
class ChatMetricsTest {
    private static final long WAIT_MILLIS = 10_000;
    private final Pipe pipe = new Pipe();
    private ChatServer server;

    private ChatServer start(ChatMetrics metrics) {
        return start(metrics, MessageStore.inMemory());
    }

    private ChatServer start(ChatMetrics metrics, MessageStore store) {
        server = ChatServer.builder()
                .store(store)
                .authenticator(c -> c.user())
                .maxOutboundBytes(1024)
                .metrics(metrics)
                .build();
        server.start(pipe);
        return server;
    }

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    private static String hello(String user) {
        return "{\"type\":\"hello\",\"v\":1,\"user\":\"" + user + "\"}";
    }

    @Test
    void aPublishedMessage_isCountedInStoredTimedAndDelivered_andTheConnectionOpenAndClosed() {
        ChatMetrics metrics = mock(ChatMetrics.class);
        start(metrics);
        Pipe.Conn alice = pipe.open();
        alice.handler.onText(hello("alice"));
        alice.handler.onText("{\"type\":\"join\",\"room\":\"hall\",\"ref\":1}");
        alice.handler.onText("{\"type\":\"publish\",\"room\":\"hall\",\"body\":\"hi\",\"cid\":\"c-1\",\"ref\":2}");
        alice.awaitFrame("\"published\"");

        verify(metrics).onConnectionOpened();
        verify(metrics, times(3)).onFrameReceived();
        // welcome, joined, the message push, published
        verify(metrics, timeout(WAIT_MILLIS).times(4)).onFrameSent();
        verify(metrics).onRoomOpened();
        verify(metrics).onMessageStored("hall");
        verify(metrics).onMessageDelivered();
        verify(metrics).onStoreAppend(any(Duration.class), eq(false));
        verify(metrics, never()).onError(any());

        alice.handler.onClosed(1000, "bye");
        verify(metrics).onConnectionClosed();
    }

    @Test
    void aDuplicatePublish_isTimedButNotStoredOrDeliveredAgain() {
        ChatMetrics metrics = mock(ChatMetrics.class);
        start(metrics);
        Pipe.Conn alice = pipe.open();
        alice.handler.onText(hello("alice"));
        alice.handler.onText("{\"type\":\"join\",\"room\":\"hall\"}");
        alice.handler.onText("{\"type\":\"publish\",\"room\":\"hall\",\"body\":\"hi\",\"cid\":\"c-1\",\"ref\":1}");
        alice.handler.onText("{\"type\":\"publish\",\"room\":\"hall\",\"body\":\"hi\",\"cid\":\"c-1\",\"ref\":2}");
        alice.awaitFrame("\"duplicate\":true");

        verify(metrics, times(2)).onStoreAppend(any(Duration.class), eq(false));
        verify(metrics, times(1)).onMessageStored("hall");
        verify(metrics, times(1)).onMessageDelivered();
    }

    @Test
    void refusals_areCountedByTheirCode() {
        ChatMetrics metrics = mock(ChatMetrics.class);
        start(metrics);
        Pipe.Conn alice = pipe.open();
        alice.handler.onText(hello("alice"));
        alice.handler.onText("{\"type\":\"publish\",\"room\":\"hall\",\"body\":\"hi\",\"ref\":1}");
        alice.handler.onText("{\"type\":\"history\",\"room\":\"dm:bob:carol\",\"ref\":2}");
        alice.handler.onText("{\"type\":\"nonsense\",\"ref\":3}");
        alice.awaitFrame("UNKNOWN_TYPE");

        verify(metrics, timeout(WAIT_MILLIS)).onError(ErrorCode.NOT_IN_ROOM);
        verify(metrics).onError(ErrorCode.FORBIDDEN);
        verify(metrics).onError(ErrorCode.UNKNOWN_TYPE);

        Pipe.Conn stranger = pipe.open();
        stranger.handler.onText("{\"type\":\"ping\"}");
        verify(metrics).onError(ErrorCode.UNAUTHENTICATED);
    }

    @Test
    void aSlowReader_isCountedWhenItsDrainedConnectionIsFedFromTheLogAgain() {
        ChatMetrics metrics = mock(ChatMetrics.class);
        start(metrics);
        Pipe.Conn alice = pipe.open();
        alice.handler.onText(hello("alice"));
        alice.handler.onText("{\"type\":\"join\",\"room\":\"hall\",\"ref\":1}");
        alice.awaitFrame("\"joined\"");
        Pipe.Conn bob = pipe.open();
        bob.handler.onText(hello("bob"));
        bob.handler.onText("{\"type\":\"join\",\"room\":\"hall\",\"ref\":1}");
        bob.awaitFrame("\"joined\"");

        alice.queued.set(1 << 20); // alice reads nothing: her budget is full
        bob.handler.onText("{\"type\":\"publish\",\"room\":\"hall\",\"body\":\"while you were away\",\"ref\":2}");
        bob.awaitFrame("\"published\"");
        verify(metrics, never()).onSlowReaderCatchUp();

        alice.queued.set(0);
        alice.handler.onDrained();
        alice.awaitFrame("while you were away");
        verify(metrics, timeout(WAIT_MILLIS)).onSlowReaderCatchUp();
        verify(metrics, timeout(WAIT_MILLIS).times(2)).onMessageDelivered(); // bob's live, alice's from the log (counted on the room thread, after the frame is handed over)
    }

    @Test
    void aSlowReaderBehindWhatTheLogRetains_isCountedAsClosedWith4000() {
        ChatMetrics metrics = mock(ChatMetrics.class);
        start(metrics, MessageStore.inMemory(5));
        Pipe.Conn alice = pipe.open();
        alice.handler.onText(hello("alice"));
        alice.handler.onText("{\"type\":\"join\",\"room\":\"hall\",\"ref\":1}");
        alice.awaitFrame("\"joined\"");
        Pipe.Conn bob = pipe.open();
        bob.handler.onText(hello("bob"));
        bob.handler.onText("{\"type\":\"join\",\"room\":\"hall\",\"ref\":1}");
        bob.awaitFrame("\"joined\"");

        alice.queued.set(1 << 20);
        for (int i = 1; i <= 10; i++) {
            bob.handler.onText("{\"type\":\"publish\",\"room\":\"hall\",\"body\":\"m" + i + "\",\"ref\":" + (i + 1) + "}");
        }
        bob.awaitFrame("\"ref\":11");
        alice.queued.set(0);
        alice.handler.onDrained();

        verify(metrics, timeout(WAIT_MILLIS)).onSlowConsumerClosed();
        assertThat(alice.closeCode.get()).isEqualTo(4000);
    }

    @Test
    void aHookThatThrows_isLoggedAndTheServerGoesOn() {
        ChatMetrics metrics = mock(ChatMetrics.class);
        doThrow(new IllegalStateException("broken hook")).when(metrics).onFrameSent();
        doThrow(new IllegalStateException("broken hook")).when(metrics).onFrameReceived();
        doThrow(new IllegalStateException("broken hook")).when(metrics).onMessageStored(anyString());
        doThrow(new IllegalStateException("broken hook")).when(metrics).onStoreAppend(any(), eq(false));
        start(metrics);
        Pipe.Conn alice = pipe.open();
        alice.handler.onText(hello("alice"));
        alice.handler.onText("{\"type\":\"join\",\"room\":\"hall\"}");
        alice.handler.onText("{\"type\":\"publish\",\"room\":\"hall\",\"body\":\"hi\",\"ref\":2}");

        alice.awaitFrame("\"published\"");
        assertThat(alice.frames).noneMatch(f -> f.contains("\"error\""));
        verify(metrics, atLeastOnce()).onMessageDelivered();
    }

    @Test
    void roomPublishWithCid_appendsOnce_andAnswersTheOriginal() throws Exception {
        ChatMetrics metrics = mock(ChatMetrics.class);
        start(metrics);
        Room hall = server.room("hall");

        Message first = hall.publish("alice", "once", "key-1").get(10, TimeUnit.SECONDS);
        Message again = hall.publish("alice", "once, retried", "key-1").get(10, TimeUnit.SECONDS);
        Message other = hall.publish("bob", "same key, other user", "key-1").get(10, TimeUnit.SECONDS);

        assertThat(again.seq()).isEqualTo(first.seq());
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(again.body()).isEqualTo("once");
        assertThat(other.seq()).isEqualTo(first.seq() + 1);
        assertThat(hall.history(Long.MAX_VALUE, 10)).extracting(Message::body).containsExactly("once", "same key, other user");
        verify(metrics, times(2)).onMessageStored("hall");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> hall.publish("alice", "x", "has space"));
    }

    /** A transport of in-memory connections whose backlog a test sets. */
    private static final class Pipe implements Transport {
        private ConnectionAcceptor acceptor;

        @Override
        public void start(ConnectionAcceptor theAcceptor) {
            this.acceptor = theAcceptor;
        }

        @Override
        public void close() {}

        Conn open() {
            Conn conn = new Conn();
            conn.handler = acceptor.accept(conn);
            return conn;
        }

        static final class Conn implements Connection {
            final List<String> frames = new CopyOnWriteArrayList<>();
            final AtomicLong queued = new AtomicLong();
            final java.util.concurrent.atomic.AtomicInteger closeCode = new java.util.concurrent.atomic.AtomicInteger(-1);
            ConnectionHandler handler;

            void awaitFrame(String part) {
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
                while (frames.stream().noneMatch(f -> f.contains(part))) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("no frame with " + part + " within 10 s; got " + frames);
                    }
                    Thread.onSpinWait();
                    Thread.yield();
                }
            }

            @Override
            public String id() {
                return "pipe";
            }

            @Override
            public Handshake handshake() {
                return new Handshake("test", null);
            }

            @Override
            public boolean send(OutboundFrame frame) {
                frames.add(frame.text());
                return true;
            }

            @Override
            public long queuedBytes() {
                return queued.get();
            }

            @Override
            public void requestDrainNotice() {}

            @Override
            public void close(int code, String reason) {
                closeCode.compareAndSet(-1, code);
            }
        }
    }
}
