package dev.parley.chat.transport.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.List;
import java.util.Set;
import org.java_websocket.SocketChannelIOHelper;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.framing.Framedata;
import org.junit.jupiter.api.Test;

/**
 * The gathering write of {@link MeteredChannel}, driven by Java-WebSocket's own {@code
 * SocketChannelIOHelper.batch} over a channel that takes a few bytes at a time.
 */
class MeteredChannelTest {

    @Test
    void aBufferQueuedBetweenOurFramesNeverLandsInsideAHalfWrittenFrame() throws IOException {
        WebSocketImpl socket = new WebSocketImpl(new WebSocketAdapter() {
            @Override
            public void onWebsocketMessage(WebSocket conn, String message) {}

            @Override
            public void onWebsocketMessage(WebSocket conn, ByteBuffer blob) {}

            @Override
            public void onWebsocketOpen(WebSocket conn, org.java_websocket.handshake.Handshakedata d) {}

            @Override
            public void onWebsocketClose(WebSocket ws, int code, String reason, boolean remote) {}

            @Override
            public void onWebsocketClosing(WebSocket ws, int code, String reason, boolean remote) {}

            @Override
            public void onWebsocketCloseInitiated(WebSocket ws, int code, String reason) {}

            @Override
            public void onWebsocketError(WebSocket conn, Exception ex) {}

            @Override
            public void onWriteDemand(WebSocket conn) {}

            @Override
            public java.net.InetSocketAddress getLocalSocketAddress(WebSocket conn) {
                return null;
            }

            @Override
            public java.net.InetSocketAddress getRemoteSocketAddress(WebSocket conn) {
                return null;
            }

            @Override
            public void onWebsocketPing(WebSocket conn, Framedata f) {}
        }, List.<Draft>of(new Draft_6455()));
        WsConnection connection = new WsConnection("test", socket, new WsConnection.WsServerHooks() {
            @Override
            public void writeDemand(WebSocketImpl s) {}

            @Override
            public void handshakeSettled(WsConnection c) {}

            @Override
            public void released(WsConnection c) {}
        }, Runnable::run);
        TrickleChannel wire = new TrickleChannel(7);
        MeteredChannel channel = new MeteredChannel(wire, connection, WsServer.MAX_HANDSHAKE_BYTES, new LingeringClose("test-linger"));

        ByteBuffer first = ByteBuffer.wrap("AAAAA".getBytes()).asReadOnlyBuffer();
        ByteBuffer second = ByteBuffer.wrap("BBBBBBBBBB".getBytes()).asReadOnlyBuffer();
        ByteBuffer ping = ByteBuffer.wrap("pp".getBytes());
        // As WsConnection.send queues them, with a ping queued by Java-WebSocket in between.
        connection.pending().add(first);
        connection.pending().add(second);
        socket.outQueue.add(first);
        socket.outQueue.add(ping);
        socket.outQueue.add(second);

        for (int i = 0; i < 100 && !socket.outQueue.isEmpty(); i++) {
            SocketChannelIOHelper.batch(socket, channel);
        }

        assertThat(socket.outQueue).isEmpty();
        assertThat(connection.pending()).isEmpty();
        assertThat(wire.written()).isEqualTo("AAAAABBBBBBBBBBpp");
    }

    /** Takes at most {@code perWrite} bytes per write, like a socket whose send buffer is full. */
    private static final class TrickleChannel extends SocketChannel {
        private final int perWrite;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        TrickleChannel(int perWrite) {
            super(SelectorProvider.provider());
            this.perWrite = perWrite;
        }

        String written() {
            return out.toString();
        }

        @Override
        public int write(ByteBuffer src) {
            return (int) write(new ByteBuffer[] {src}, 0, 1);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            int n = 0;
            for (int i = offset; i < offset + length && n < perWrite; i++) {
                while (srcs[i].hasRemaining() && n < perWrite) {
                    out.write(srcs[i].get());
                    n++;
                }
            }
            return n;
        }

        @Override
        public int read(ByteBuffer dst) {
            return 0;
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) {
            return 0;
        }

        @Override
        public SocketChannel bind(SocketAddress local) {
            return this;
        }

        @Override
        public <T> SocketChannel setOption(SocketOption<T> name, T value) {
            return this;
        }

        @Override
        public <T> T getOption(SocketOption<T> name) {
            return null;
        }

        @Override
        public Set<SocketOption<?>> supportedOptions() {
            return Set.of();
        }

        @Override
        public SocketChannel shutdownInput() {
            return this;
        }

        @Override
        public SocketChannel shutdownOutput() {
            return this;
        }

        @Override
        public java.net.Socket socket() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isConnected() {
            return true;
        }

        @Override
        public boolean isConnectionPending() {
            return false;
        }

        @Override
        public boolean connect(SocketAddress remote) {
            return true;
        }

        @Override
        public boolean finishConnect() {
            return true;
        }

        @Override
        public SocketAddress getRemoteAddress() {
            return null;
        }

        @Override
        public SocketAddress getLocalAddress() {
            return null;
        }

        @Override
        protected void implCloseSelectableChannel() {}

        @Override
        protected void implConfigureBlocking(boolean block) {}
    }
}
