package dev.parley.chat.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.chat.ErrorCode;
import dev.parley.chat.MessageKind;
import dev.parley.chat.PresenceStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommandCodecTest {
    private final CommandDecoder decoder = new CommandDecoder(65_536, 4096);

    private static final List<Command> SAMPLES = List.of(
            new Command.Hello(new Ref("1"), "alice", null, "parley-java/1"),
            new Command.Hello(null, null, "tok-123", null),
            new Command.Join(new Ref("\"j-1\""), "general", 41L, "e-91c2", 10),
            new Command.Join(null, "dm:alice:bob", null, null, null),
            new Command.Leave(new Ref("-7"), "general"),
            new Command.Publish(new Ref("3"), "general", "héllo 👋 世界", "a-1", MessageKind.TEXT, 0, 12, null),
            new Command.Publish(null, "general", "", null, MessageKind.DELETE, 5, 0, null),
            new Command.Publish(null, "g", "👍", "c", MessageKind.REACT, 5, 0, "{\"file\":{\"url\":\"https://x.example/a\"}}"),
            new Command.History(new Ref("9"), "general", 100L, null, 20),
            new Command.History(null, "general", null, 3L, null),
            new Command.Members(null, "general"),
            new Command.Status(new Ref("4"), PresenceStatus.DND),
            new Command.Typing(null, "general", true),
            new Command.Read(null, "general", 42),
            new Command.Rooms(new Ref("\"r\"")),
            new Command.Create(null, "new-room", "a topic"),
            new Command.Ping(new Ref("9007199254740991")));

    @Test
    void decodeOfEncode_isTheSameCommand() {
        for (Command command : SAMPLES) {
            assertThat(decoder.decode(CommandEncoder.encode(command))).isEqualTo(command);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "not json",
        "[]",
        "42",
        "null",
        "{\"type\":\"ping\"} trailing",
        "{\"type\":\"ping\",\"type\":\"ping\"}",
        "{\"type\":\"publish\",\"room\":\"r\",\"body\":\"x\",\"meta\":{\"a\":1,\"a\":2}}",
        "{\"type\":\"ping\",\"ref\":1.5}",
        "{\"type\":\"ping\",\"ref\":{}}",
        "{\"type\":\"ping\",\"ref\":9007199254740992}",
        "{\"ref\":1}",
        "{\"type\":7}",
        "{\"type\":\"history\",\"room\":\"r\",\"before\":1,\"after\":2}",
        "{\"type\":\"history\",\"room\":\"r\",\"limit\":0}",
        "{\"type\":\"publish\",\"room\":\"r\",\"body\":\"\"}",
        "{\"type\":\"publish\",\"room\":\"r\",\"body\":5}",
        "{\"type\":\"publish\",\"room\":\"r\",\"body\":\"x\",\"cid\":\"has space\"}",
        "{\"type\":\"publish\",\"room\":\"r\",\"body\":\"x\",\"target\":3}",
        "{\"type\":\"publish\",\"room\":\"r\",\"body\":\"x\",\"kind\":\"edit\"}",
        "{\"type\":\"publish\",\"room\":\"r\",\"body\":\"x\",\"meta\":{\"url\":\"javascript:alert(1)\"}}",
        "{\"type\":\"publish\",\"room\":\"r\",\"body\":\"x\",\"meta\":{\"a\":[{\"url\":\"ftp://x/y\"}]}}",
        "{\"type\":\"status\",\"status\":\"offline\"}",
        "{\"type\":\"hello\",\"v\":2,\"user\":\"a\"}",
        "{\"type\":\"typing\",\"room\":\"r\",\"typing\":\"yes\"}"
    })
    void malformedFrames_areBadRequests(String frame) {
        assertThatThrownBy(() -> decoder.decode(frame))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
    }

    @Test
    void badRef_isNotEchoed_butAValidOneIs() {
        assertThatThrownBy(() -> decoder.decode("{\"type\":\"ping\",\"ref\":\"" + "x".repeat(65) + "\"}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.ref()).isNull());
        assertThatThrownBy(() -> decoder.decode("{\"type\":\"nope\",\"ref\":\"abc\"}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_TYPE);
                    assertThat(e.ref()).isEqualTo(new Ref("\"abc\""));
                });
    }

    @Test
    void nullsAndUnknownFields_countAsAbsent() {
        Command c = decoder.decode("{\"type\":\"join\",\"room\":\"r\",\"since\":null,\"ref\":null,\"extra\":{\"x\":1}}");
        assertThat(c).isEqualTo(new Command.Join(null, "r", null, null, null));
    }

    @Test
    void bodySize_isMeasuredInUtf8Bytes() {
        String fits = "é".repeat(2048); // 4096 bytes
        assertThat(decoder.decode(publish(fits))).isInstanceOf(Command.Publish.class);
        assertThatThrownBy(() -> decoder.decode(publish(fits + "a")))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE));
        assertThat(CommandDecoder.utf8Length("a€😀")).isEqualTo("a€😀".getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void namesAreCheckedAfterShapeAndSize() {
        assertThatThrownBy(() -> decoder.decode("{\"type\":\"join\",\"room\":\"../x\"}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ROOM));
        assertThatThrownBy(() -> decoder.decode("{\"type\":\"publish\",\"room\":\"../x\",\"body\":\"" + "x".repeat(5000) + "\"}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE));
        assertThatThrownBy(() -> decoder.decode("{\"type\":\"hello\",\"v\":1,\"user\":\"a b\"}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_USER));
    }

    @Test
    void deepNesting_isRefused() {
        String deep = "{\"type\":\"publish\",\"room\":\"r\",\"body\":\"x\",\"meta\":" + "{\"a\":".repeat(40) + "1"
                + "}".repeat(40) + "}";
        assertThatThrownBy(() -> decoder.decode(deep)).isInstanceOf(ProtocolException.class);
    }

    /** Garbage and mutations of valid frames either decode or raise the protocol error, nothing else. */
    @RepeatedTest(20)
    void anyGarbage_decodesOrRaisesAProtocolError(org.junit.jupiter.api.RepetitionInfo info) {
        Random random = new Random(info.getCurrentRepetition() * 7919L);
        List<String> valid = new ArrayList<>();
        for (Command c : SAMPLES) {
            valid.add(CommandEncoder.encode(c));
        }
        for (int i = 0; i < 2000; i++) {
            String frame = random.nextBoolean() ? mutate(valid.get(random.nextInt(valid.size())), random) : garbage(random);
            try {
                decoder.decode(frame);
            } catch (ProtocolException expected) {
                assertThat(expected.code()).isNotNull();
            }
        }
    }

    private static String mutate(String frame, Random random) {
        StringBuilder s = new StringBuilder(frame);
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && s.length() > 0; e++) {
            int at = random.nextInt(s.length());
            switch (random.nextInt(3)) {
                case 0:
                    s.deleteCharAt(at);
                    break;
                case 1:
                    String alphabet = "{}[]\":,0-9.eE\\nu \u0000\uD800😀";
                    s.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    break;
                default:
                    s.setCharAt(at, (char) random.nextInt(0x3000));
            }
        }
        return s.toString();
    }

    private static String garbage(Random random) {
        char[] chars = new char[random.nextInt(64)];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = "{}[]\":,01ae\\ ".charAt(random.nextInt(13));
        }
        return new String(chars);
    }

    private static String publish(String body) {
        return "{\"type\":\"publish\",\"room\":\"r\",\"body\":\"" + body + "\"}";
    }
}
