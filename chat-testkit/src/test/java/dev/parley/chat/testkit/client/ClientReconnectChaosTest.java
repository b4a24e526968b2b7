package dev.parley.chat.testkit.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.chat.testkit.InMemoryClientConnection;
import dev.parley.chat.testkit.ReconnectChaos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client's central promise under a hostile network, on the in-JVM transport: {@link
 * ReconnectChaos} (four clients publish into one room they all joined while the connections are
 * cut a hundred times at random points), with the cuts made by {@link
 * InMemoryClientConnection#drop()}, as a network failure would.
 */
@Timeout(120)
class ClientReconnectChaosTest {

    @Test
    void hundredRandomCuts_whileFourClientsPublish_everyListenerSeesAll2000Once_inSeqOrder_andEveryPublishLandsOnce()
            throws Exception {
        try (ClientFixture f = new ClientFixture(b -> b.publishPerSecond(1_000_000).publishBurst(1_000_000))) {
            ReconnectChaos.Result result = ReconnectChaos.run(
                    f::client,
                    ReconnectChaos.connections(f.connector::openConnections, InMemoryClientConnection::drop));

            assertThat(f.connector.connectionsOpened())
                    .isGreaterThanOrEqualTo(ReconnectChaos.CLIENTS + result.connectionsCut());
        }
    }
}
