package dev.parley.chat.transport.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HandshakeTokensTest {

    @Test
    void bearerHeader_winsOverQueryAndCookie() {
        assertThat(HandshakeTokens.find("Bearer h", "/ws?token=q", "parley_token=c")).isEqualTo("h");
    }

    @Test
    void bearerScheme_isCaseInsensitive_andOtherSchemesAreNotTokens() {
        assertThat(HandshakeTokens.find("bearer  h ", "/ws", "")).isEqualTo("h");
        assertThat(HandshakeTokens.find("Basic dXNlcjpwdw==", "/ws", "")).isNull();
        assertThat(HandshakeTokens.find("Bearer ", "/ws", "")).isNull();
    }

    @Test
    void queryParameter_isUrlDecoded_andFoundAmongOthers() {
        assertThat(HandshakeTokens.find("", "/ws?a=1&token=x%2By%20z&b=2", "")).isEqualTo("x+y z");
        assertThat(HandshakeTokens.find("", "/ws?tokens=no&token", "")).isNull();
        assertThat(HandshakeTokens.find("", "/ws?token=%zz", "")).isNull();
        assertThat(HandshakeTokens.find("", "/ws?token=", "")).isNull();
    }

    @Test
    void cookie_isFoundAmongOthers_andMayBeQuoted() {
        assertThat(HandshakeTokens.find("", "/ws", "a=1; parley_token=c; b=2")).isEqualTo("c");
        assertThat(HandshakeTokens.find("", "/ws", "parley_token=\"quoted\"")).isEqualTo("quoted");
        assertThat(HandshakeTokens.find("", "/ws", "xparley_token=no")).isNull();
    }

    @Test
    void nothingPresented_isNull() {
        assertThat(HandshakeTokens.find("", "/ws", "")).isNull();
    }

    @Test
    void path_dropsTheQuery() {
        assertThat(HandshakeTokens.path("/ws?token=x")).isEqualTo("/ws");
        assertThat(HandshakeTokens.path("/ws")).isEqualTo("/ws");
    }
}
