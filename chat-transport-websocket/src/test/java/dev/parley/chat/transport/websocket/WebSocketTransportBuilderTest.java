package dev.parley.chat.transport.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebSocketTransportBuilderTest {

    @Test
    void setters_refuseValuesOutOfRange_sayingTheValueAndTheRange() {
        WebSocketTransport.Builder b = WebSocketTransport.builder();
        assertThatThrownBy(() -> b.maxFrameBytes(0)).hasMessage("maxFrameBytes was 0 but must be in [125, 16777216]");
        assertThatThrownBy(() -> b.port(70_000)).hasMessageContaining("70000");
        assertThatThrownBy(() -> b.path("ws")).hasMessageContaining("must start with /");
        assertThatThrownBy(() -> b.path("/ws?x")).hasMessageContaining("no query");
        assertThatThrownBy(() -> b.heartbeat(Duration.ofMillis(1500))).hasMessageContaining("whole seconds");
        assertThatThrownBy(() -> b.handshakeTimeout(Duration.ZERO)).hasMessageContaining("[10 ms, 10 min]");
        assertThatThrownBy(() -> b.workerThreads(0)).hasMessageContaining("[1, 1024]");
        assertThatThrownBy(() -> b.maxPendingHandshakes(0)).hasMessageContaining("[1, 1000000]");
        assertThatThrownBy(() -> b.allowedOrigins(List.of(" "))).hasMessageContaining("blank");
    }

    @Test
    void beforeStart_portAndAddress_areTheConfiguredOnes() {
        WebSocketTransport t = WebSocketTransport.builder()
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .port(9099)
                .path("/chat")
                .heartbeat(Duration.ZERO)
                .build();

        assertThat(t.port()).isEqualTo(9099);
        assertThat(t.address().getPort()).isEqualTo(9099);
        assertThat(t.path()).isEqualTo("/chat");
        t.close(); // closing an unstarted transport is harmless
        assertThatThrownBy(() -> t.start(c -> null)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeReasons_areCutToFitAControlFrame_withoutSplittingCharacters() {
        assertThat(WsConnection.truncate(null)).isEmpty();
        assertThat(WsConnection.truncate("short")).isEqualTo("short");
        assertThat(WsConnection.truncate("x".repeat(500))).hasSize(123);
        String cut = WsConnection.truncate("\uD83D\uDE00".repeat(100));
        assertThat(cut.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(123);
        assertThat(Character.isHighSurrogate(cut.charAt(cut.length() - 1))).isFalse();
    }
}
