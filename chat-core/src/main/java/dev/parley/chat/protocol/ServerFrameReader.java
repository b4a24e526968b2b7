package dev.parley.chat.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import dev.parley.chat.PresenceStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Decodes the server's frames for a client, with Jackson's tree model over a hardened parser:
 * bounded nesting, string and document sizes, duplicate keys refused, no binding to arbitrary
 * types. Unknown fields are ignored and unknown frame types decoded as {@link
 * ServerFrame.UnknownFrame} (PROTOCOL §1: forward compatibility). The lists of the frames it returns
 * are unmodifiable.
 *
 * <p><b>Thread safety.</b> Immutable; one reader serves every connection of a client.
 */
public final class ServerFrameReader {
    /**
     * Server frames have no protocol bound (PROTOCOL §9); a {@code joined} or {@code history}
     * reply of a generous server is large, so this only stops a runaway peer.
     */
    public static final int MAX_FRAME_CHARS = 64 * 1024 * 1024;

    private final ObjectMapper mapper;

    /** A reader with the bounds above. */
    public ServerFrameReader() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(64)
                        .maxStringLength(MAX_FRAME_CHARS)
                        .maxNumberLength(32)
                        .maxNameLength(256)
                        .maxDocumentLength(MAX_FRAME_CHARS)
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.mapper = new ObjectMapper(factory);
    }

    /**
     * Decodes one frame.
     *
     * @throws IllegalArgumentException if the frame is not a JSON object of a known shape
     */
    public ServerFrame read(String text) {
        JsonNode f = parse(text);
        String type = text(f, "type");
        long ref = ref(f);
        switch (type) {
            case "welcome": {
                JsonNode limits = f.path("limits");
                return new ServerFrame.WelcomeFrame(ref,
                        text(f, "session"), text(f, "user"), f.path("heartbeatMs").asLong(0),
                        limits.path("maxFrameBytes").asInt(0), limits.path("maxBodyBytes").asInt(0),
                        limits.path("historyLimit").asInt(0), limits.path("publishPerSecond").asInt(0),
                        f.path("tokenExpiresInMs").asLong(-1));
            }
            case "joined":
                return new ServerFrame.JoinedFrame(ref,
                        text(f, "room"), text(f, "epoch"), number(f, "seq"), f.path("first").asLong(0),
                        f.path("read").asLong(0), members(f), messages(f), bool(f, "recovered"));
            case "left":
                return new ServerFrame.LeftFrame(ref, text(f, "room"));
            case "published":
                return new ServerFrame.PublishedFrame(ref, text(f, "room"), number(f, "seq"), text(f, "id"),
                        number(f, "ts"), f.path("duplicate").asBoolean(false));
            case "history":
                return new ServerFrame.HistoryFrame(
                        ref, text(f, "room"), messages(f), bool(f, "hasMore"));
            case "members":
                return new ServerFrame.MembersFrame(ref, text(f, "room"), members(f));
            case "status":
                return new ServerFrame.StatusFrame(ref, status(text(f, "status")));
            case "read":
                return new ServerFrame.ReadFrame(ref, text(f, "room"), number(f, "seq"));
            case "rooms":
                return new ServerFrame.RoomsFrame(ref, rooms(f));
            case "created":
                return new ServerFrame.CreatedFrame(ref, text(f, "room"), f.path("topic").asText(""));
            case "pong":
                return new ServerFrame.PongFrame(ref);
            case "error":
                return new ServerFrame.ErrorFrame(ref, errorCode(text(f, "code")), f.path("message").asText(""),
                        Math.max(0, f.path("retryAfterMs").asLong(0)));
            case "message":
                return new ServerFrame.MessagePush(message(f));
            case "presence":
                return new ServerFrame.PresencePush(text(f, "room"), text(f, "user"),
                        status(text(f, "status")), presenceEvent(text(f, "event")));
            case "typing":
                return new ServerFrame.TypingPush(text(f, "room"), text(f, "user"), bool(f, "typing"));
            case "receipt":
                return new ServerFrame.ReceiptPush(text(f, "room"), text(f, "user"), number(f, "seq"));
            case "bye":
                return new ServerFrame.ByePush(f.path("code").asText(""), f.path("message").asText(""));
            default:
                return new ServerFrame.UnknownFrame(ref, type);
        }
    }

    /**
     * Parses {@code json} and writes it back compactly, checking that it is one JSON object: what
     * the client puts into a publish's {@code meta}.
     *
     * @throws IllegalArgumentException if it is not a single JSON object
     */
    public String compactObject(String json) {
        JsonNode node = parse(json);
        return node.toString();
    }

    private JsonNode parse(String text) {
        JsonNode node;
        try (JsonParser parser = mapper.createParser(text)) {
            node = mapper.readTree(parser);
            if (node != null && parser.nextToken() != null) {
                throw new IllegalArgumentException("content after the JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable JSON", e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        return node;
    }

    private static long ref(JsonNode f) {
        JsonNode ref = f.get("ref");
        // This client only makes positive integer refs; anything else is not a reply to it.
        if (ref != null && ref.isIntegralNumber() && ref.canConvertToLong() && ref.longValue() > 0) {
            return ref.longValue();
        }
        return -1;
    }

    private static Message message(JsonNode m) {
        JsonNode meta = m.get("meta");
        return new Message(
                text(m, "room"),
                number(m, "seq"),
                text(m, "id"),
                text(m, "user"),
                m.path("body").asText(""),
                m.path("ts").asLong(0),
                kind(m.path("kind").asText("text")),
                optionalText(m, "cid"),
                m.path("target").asLong(0),
                m.path("replyTo").asLong(0),
                meta == null || meta.isNull() ? null : meta.toString());
    }

    private static List<Message> messages(JsonNode f) {
        JsonNode array = f.path("messages");
        List<Message> out = new ArrayList<>(array.size());
        for (JsonNode m : array) {
            out.add(message(m));
        }
        return List.copyOf(out);
    }

    private static List<Member> members(JsonNode f) {
        JsonNode array = f.path("members");
        List<Member> out = new ArrayList<>(array.size());
        for (JsonNode m : array) {
            out.add(new Member(text(m, "user"), status(m.path("status").asText("online")), m.path("lastSeen").asLong(0)));
        }
        return List.copyOf(out);
    }

    private static List<RoomSummary> rooms(JsonNode f) {
        JsonNode array = f.path("rooms");
        List<RoomSummary> out = new ArrayList<>(array.size());
        for (JsonNode r : array) {
            out.add(new RoomSummary(text(r, "room"), r.path("topic").asText(""), r.path("members").asInt(0),
                    r.path("seq").asLong(0), r.path("read").asLong(0)));
        }
        return List.copyOf(out);
    }

    private static String text(JsonNode f, String name) {
        JsonNode v = f.get(name);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("a server frame lacks the string field " + name);
        }
        return v.textValue();
    }

    private static @Nullable String optionalText(JsonNode f, String name) {
        JsonNode v = f.get(name);
        return v != null && v.isTextual() ? v.textValue() : null;
    }

    private static long number(JsonNode f, String name) {
        JsonNode v = f.get(name);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException("a server frame lacks the integer field " + name);
        }
        return v.longValue();
    }

    private static boolean bool(JsonNode f, String name) {
        JsonNode v = f.get(name);
        if (v == null || !v.isBoolean()) {
            throw new IllegalArgumentException("a server frame lacks the boolean field " + name);
        }
        return v.booleanValue();
    }

    private static PresenceStatus status(String wire) {
        try {
            return PresenceStatus.valueOf(wire.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            // A status a newer server invented: closest meaning for an old client.
            return PresenceStatus.ONLINE;
        }
    }

    private static MessageKind kind(String wire) {
        try {
            return MessageKind.fromWireName(wire);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown message kind " + wire, e);
        }
    }

    private static String presenceEvent(String wire) {
        // PROTOCOL §4 has exactly these three; a client maps them onto its own kinds.
        String event = wire.toLowerCase(Locale.ROOT);
        if (!event.equals("join") && !event.equals("leave") && !event.equals("status")) {
            throw new IllegalArgumentException("unknown presence event " + wire);
        }
        return event;
    }

    private static ErrorCode errorCode(String wire) {
        try {
            return ErrorCode.valueOf(wire);
        } catch (IllegalArgumentException e) {
            // A code a newer server added: treat it as a failure the client cannot act on.
            return ErrorCode.INTERNAL;
        }
    }
}
