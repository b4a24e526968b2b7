package dev.parley.chat.examples;

import dev.parley.chat.spi.Transport;
import dev.parley.chat.testkit.RawClient;
import dev.parley.chat.testkit.TransportContract;
import java.net.InetSocketAddress;
import java.util.Map;

/** The NDJSON-over-TCP example transport keeps everything {@code TransportContract} asks. */
class NdjsonTcpTransportContractIT extends TransportContract {
    @Override
    protected Transport newTransport() {
        return NdjsonTcpTransport.listen(new InetSocketAddress("127.0.0.1", 0), MAX_FRAME_BYTES);
    }

    @Override
    protected RawClient connect(Transport transport, Map<String, String> headers) throws Exception {
        return NdjsonRawClient.open(((NdjsonTcpTransport) transport).port(), headers.get("Authorization"));
    }

    @Override
    protected boolean checksOrigin() {
        return false; // TCP has no Origin
    }
}
