package dev.parley.chat.transport.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.chat.spi.OutboundFrame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TextFrameEncoderTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 125, 126, 127, 65_535, 65_536, 70_000})
    void encode_makesOneUnmaskedFinalTextFrame_withTheRightLength(int size) {
        OutboundFrame frame = OutboundFrame.ofText("a".repeat(size));

        ByteBuffer bytes = TextFrameEncoder.encode(frame);

        assertThat(bytes.isReadOnly()).isTrue();
        assertThat(bytes.get() & 0xFF).isEqualTo(0x81);
        int second = bytes.get() & 0xFF;
        assertThat(second & 0x80).as("mask bit").isZero();
        long length = second & 0x7F;
        if (length == 126) {
            length = bytes.getShort() & 0xFFFF;
            assertThat(size).isBetween(126, 65_535);
        } else if (length == 127) {
            length = bytes.getLong();
            assertThat(size).isGreaterThan(65_535);
        } else {
            assertThat(size).isLessThanOrEqualTo(125);
        }
        assertThat(length).isEqualTo(size);
        assertThat(bytes.remaining()).isEqualTo(size);
        byte[] payload = new byte[size];
        bytes.get(payload);
        assertThat(new String(payload, StandardCharsets.UTF_8)).isEqualTo(frame.text());
    }

    @Test
    void prepared_isMadeOnce_andDuplicatesDoNotDisturbEachOther() {
        OutboundFrame frame = OutboundFrame.ofText("shared");

        ByteBuffer first = TextFrameEncoder.prepared(frame);
        ByteBuffer again = TextFrameEncoder.prepared(frame);
        ByteBuffer one = first.duplicate();
        ByteBuffer two = first.duplicate();
        one.position(one.limit());

        assertThat(again).isSameAs(first);
        assertThat(two.remaining()).isEqualTo(2 + "shared".length());
        assertThat(first.position()).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 123, 124, 125, 126, 127, 65_533, 65_534, 65_535, 65_536, 70_000})
    void payloadBytes_readsThePayloadSizeBackFromTheFrameLength(int size) {
        OutboundFrame frame = OutboundFrame.ofUtf8("x".repeat(size).getBytes(StandardCharsets.UTF_8));

        assertThat(TextFrameEncoder.payloadBytes(TextFrameEncoder.encode(frame).limit())).isEqualTo(size);
    }
}
