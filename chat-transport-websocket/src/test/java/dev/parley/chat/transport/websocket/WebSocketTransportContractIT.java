package dev.parley.chat.transport.websocket;

import dev.parley.chat.spi.Transport;
import dev.parley.chat.testkit.RawClient;
import dev.parley.chat.testkit.TransportContract;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/** {@link WebSocketTransport} against the transport contract, over real sockets on loopback. */
class WebSocketTransportContractIT extends TransportContract {

    @Override
    protected Transport newTransport() {
        return WebSocketTransport.builder()
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .allowedOrigins(List.of(ALLOWED_ORIGIN))
                .maxFrameBytes(MAX_FRAME_BYTES)
                .workerThreads(4)
                .daemonThreads(true)
                .build();
    }

    @Override
    protected RawClient connect(Transport transport, Map<String, String> headers) throws Exception {
        return JdkRawClient.open((WebSocketTransport) transport, "/ws", headers);
    }
}
