package dev.parley.chat.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.MessageKind;
import dev.parley.chat.PresenceStatus;
import dev.parley.chat.RoomNames;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Turns a client's text frame into a {@link Command}, or a {@link ProtocolException} with the code
 * PROTOCOL §6 and §9 give for what is wrong with it. Only step 1 of the order of checks happens
 * here (shape, sizes and names); the engine does the rest.
 *
 * <p>Parsing is hardened: a parser of our own with limits that fit one frame, duplicate keys
 * refused at any depth, no binding to arbitrary types.
 *
 * <p><b>Thread safety.</b> Immutable; one decoder serves every connection.
 */
public final class CommandDecoder {
    /** The largest integer a JavaScript client reads exactly. */
    public static final long MAX_SAFE_INTEGER = (1L << 53) - 1;
    /** The largest {@code meta}, as compact JSON in UTF-8 bytes. */
    public static final int MAX_META_BYTES = 2048;
    /** The largest reaction emoji, in UTF-8 bytes. */
    public static final int MAX_EMOJI_BYTES = 32;
    /** The longest topic, in characters. */
    public static final int MAX_TOPIC_CHARS = 256;

    private final ObjectMapper mapper;
    private final int maxBodyBytes;

    /**
     * @param maxFrameBytes the largest inbound frame; bounds the parser's string and document
     *     lengths
     * @param maxBodyBytes the largest {@code body} in UTF-8 bytes
     */
    public CommandDecoder(int maxFrameBytes, int maxBodyBytes) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(32)
                        .maxStringLength(maxFrameBytes)
                        .maxNumberLength(32)
                        .maxNameLength(128)
                        .maxDocumentLength(maxFrameBytes)
                        .build())
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.mapper = new ObjectMapper(factory);
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * Decodes one frame.
     *
     * @throws ProtocolException with the error for the frame's first problem
     */
    public Command decode(String text) {
        ObjectNode frame = parseObject(text);
        Ref ref = ref(frame);
        if (UnicodeText.hasUnpairedSurrogate(frame)) {
            // Jackson reads such an escape into a Java string but cannot write it as UTF-8 again:
            // stored, it would make every later push, resume and history over it fail.
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "a string holds an unpaired surrogate", ref);
        }
        JsonNode typeNode = frame.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "a frame needs a string \"type\"", ref);
        }
        Fields f = new Fields(frame, ref);
        String type = typeNode.textValue();
        switch (type) {
            case "hello":
                return hello(f);
            case "join":
                return join(f);
            case "leave":
                return new Command.Leave(ref, f.room());
            case "publish":
                return publish(f);
            case "history":
                return history(f);
            case "members":
                return new Command.Members(ref, f.room());
            case "status":
                return status(f);
            case "typing":
                return typing(f);
            case "read":
                return read(f);
            case "rooms":
                return new Command.Rooms(ref);
            case "create":
                return create(f);
            case "ping":
                return new Command.Ping(ref);
            default:
                throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unknown type: " + abbreviate(type), ref);
        }
    }

    /**
     * Whether the frame at least looks like a {@code hello} object: what a connection needs before
     * it is authenticated. Never throws.
     */
    public boolean looksLikeHello(String text) {
        try {
            JsonNode type = parseObject(text).get("type");
            return type != null && "hello".equals(type.textValue());
        } catch (ProtocolException e) {
            return false;
        }
    }

    /**
     * Whether the frame is a well-formed {@code hello} object: a {@code hello} whose {@code ref},
     * if any, is valid (PROTOCOL §9 "Frames"). Before {@code welcome}, only such a frame is
     * answered with its own error; anything else is {@code UNAUTHENTICATED}. Never throws.
     */
    public boolean isWellFormedHello(String text) {
        try {
            ObjectNode frame = parseObject(text);
            JsonNode type = frame.get("type");
            if (type == null || !"hello".equals(type.textValue())) {
                return false;
            }
            ref(frame);
            return true;
        } catch (ProtocolException e) {
            return false;
        }
    }

    private ObjectNode parseObject(String text) {
        JsonNode node;
        try (JsonParser parser = mapper.createParser(text)) {
            node = mapper.readTree(parser);
            if (node != null && parser.nextToken() != null) {
                throw new ProtocolException(ErrorCode.BAD_REQUEST, "content after the JSON object", null);
            }
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "not valid JSON: " + e.getOriginalMessage(), null);
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "unreadable frame", null);
        }
        if (node == null || !node.isObject()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "a frame must be a JSON object", null);
        }
        return (ObjectNode) node;
    }

    private static @Nullable Ref ref(ObjectNode frame) {
        JsonNode ref = frame.get("ref");
        if (ref == null || ref.isNull()) {
            return null;
        }
        if (ref.isIntegralNumber() && ref.canConvertToLong() && Math.abs(ref.longValue()) <= MAX_SAFE_INTEGER) {
            return new Ref(Long.toString(ref.longValue()));
        }
        if (ref.isTextual() && ref.textValue().length() <= 64) {
            return new Ref(ref.toString());
        }
        throw new ProtocolException(
                ErrorCode.BAD_REQUEST, "ref must be an integer or a string of at most 64 characters", null);
    }

    private static Command hello(Fields f) {
        JsonNode v = f.node("v");
        if (v == null || !v.isIntegralNumber() || v.longValue() != 1) {
            throw f.bad("hello needs \"v\": 1");
        }
        String user = f.optionalString("user");
        String token = f.optionalString("token");
        String client = f.optionalString("client");
        if (user != null && !RoomNames.isValidUser(user)) {
            throw new ProtocolException(ErrorCode.INVALID_USER, "invalid user name", f.ref);
        }
        return new Command.Hello(f.ref, user, token, client);
    }

    private static Command join(Fields f) {
        Long since = f.optionalSeq("since");
        String epoch = f.optionalString("epoch");
        Long recent = f.optionalSeq("recent");
        String room = f.room();
        return new Command.Join(f.ref, room, since, epoch, recent == null ? null : (int) Math.min(recent, Integer.MAX_VALUE));
    }

    private Command publish(Fields f) {
        MessageKind kind = MessageKind.TEXT;
        String kindName = f.optionalString("kind");
        if (kindName != null) {
            try {
                kind = MessageKind.fromWireName(kindName);
            } catch (IllegalArgumentException e) {
                throw f.bad("kind must be text, edit, delete, react or unreact");
            }
        }
        String body = f.optionalString("body");
        if (body == null) {
            if (kind != MessageKind.DELETE) {
                throw f.bad("publish needs a string \"body\"");
            }
            body = "";
        }
        boolean reaction = kind == MessageKind.REACT || kind == MessageKind.UNREACT;
        // An empty reaction is a size violation (PROTOCOL §9 "publish"), checked with the sizes below.
        if (body.isEmpty() && kind != MessageKind.DELETE && !reaction) {
            throw f.bad("body must not be empty");
        }
        String cid = f.optionalString("cid");
        if (cid != null && !RoomNames.isValidCid(cid)) {
            throw f.bad("cid must be 1 to 64 characters from '!' to '~'");
        }
        Long target = f.optionalSeq("target");
        Long replyTo = f.optionalSeq("replyTo");
        if (kind.needsTarget() && (target == null || target < 1)) {
            throw f.bad("a " + kind.wireName() + " needs a \"target\" seq");
        }
        if (!kind.needsTarget() && target != null) {
            throw f.bad("a text message has no \"target\"");
        }
        if (replyTo != null && (kind != MessageKind.TEXT || replyTo < 1)) {
            throw f.bad("\"replyTo\" is a positive seq, on text messages only");
        }
        String meta = null;
        JsonNode metaNode = f.node("meta");
        if (metaNode != null) {
            if (!metaNode.isObject()) {
                throw f.bad("meta must be a JSON object");
            }
            checkUrls(metaNode, f);
            meta = metaNode.toString();
        }
        // Step 1 ends with sizes and then names; shape problems above come first.
        int bodyBytes = utf8Length(body);
        if (bodyBytes > maxBodyBytes) {
            throw new ProtocolException(
                    ErrorCode.MESSAGE_TOO_LARGE, "body is " + bodyBytes + " bytes; the limit is " + maxBodyBytes, f.ref);
        }
        if (reaction && (bodyBytes == 0 || bodyBytes > MAX_EMOJI_BYTES)) {
            throw new ProtocolException(
                    ErrorCode.MESSAGE_TOO_LARGE, "a reaction is 1 to " + MAX_EMOJI_BYTES + " bytes", f.ref);
        }
        if (meta != null && utf8Length(meta) > MAX_META_BYTES) {
            throw new ProtocolException(
                    ErrorCode.MESSAGE_TOO_LARGE, "meta is over " + MAX_META_BYTES + " bytes", f.ref);
        }
        String room = f.room();
        return new Command.Publish(
                f.ref, room, body, cid, kind, target == null ? 0 : target, replyTo == null ? 0 : replyTo, meta);
    }

    private static Command history(Fields f) {
        Long before = f.optionalSeq("before");
        Long after = f.optionalSeq("after");
        Long limit = f.optionalSeq("limit");
        if (before != null && after != null) {
            throw f.bad("history takes \"before\" or \"after\", not both");
        }
        if (limit != null && limit < 1) {
            throw f.bad("limit must be at least 1");
        }
        String room = f.room();
        return new Command.History(f.ref, room, before, after, limit == null ? null : (int) Math.min(limit, Integer.MAX_VALUE));
    }

    private static Command status(Fields f) {
        String status = f.requiredString("status");
        try {
            return new Command.Status(f.ref, PresenceStatus.chosen(status));
        } catch (IllegalArgumentException e) {
            throw f.bad("status must be online, away or dnd");
        }
    }

    private static Command typing(Fields f) {
        JsonNode typing = f.node("typing");
        if (typing == null || !typing.isBoolean()) {
            throw f.bad("typing needs a boolean \"typing\"");
        }
        return new Command.Typing(f.ref, f.room(), typing.booleanValue());
    }

    private static Command read(Fields f) {
        Long seq = f.optionalSeq("seq");
        if (seq == null) {
            throw f.bad("read needs a \"seq\"");
        }
        return new Command.Read(f.ref, f.room(), seq);
    }

    private static Command create(Fields f) {
        String topic = f.optionalString("topic");
        if (topic != null && topic.length() > MAX_TOPIC_CHARS) {
            throw f.bad("topic is at most " + MAX_TOPIC_CHARS + " characters");
        }
        return new Command.Create(f.ref, f.room(), topic == null ? "" : topic);
    }

    private static void checkUrls(JsonNode node, Fields f) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                if (e.getKey().equals("url") && !isHttpUrl(e.getValue())) {
                    throw f.bad("every \"url\" in meta must be an http: or https: URL");
                }
                checkUrls(e.getValue(), f);
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                checkUrls(element, f);
            }
        }
    }

    private static boolean isHttpUrl(JsonNode value) {
        if (!value.isTextual()) {
            return false;
        }
        try {
            java.net.URI uri = new java.net.URI(value.textValue());
            String scheme = uri.getScheme();
            return scheme != null
                    && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    && uri.getHost() != null;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    /** The number of bytes {@code s} takes in UTF-8, without encoding it. */
    public static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static String abbreviate(String s) {
        return s.length() <= 32 ? s : s.substring(0, 32) + "...";
    }

    /** Typed access to one frame's fields, refusing mistyped ones with its ref. */
    private static final class Fields {
        final ObjectNode frame;
        final @Nullable Ref ref;

        Fields(ObjectNode frame, @Nullable Ref ref) {
            this.frame = frame;
            this.ref = ref;
        }

        @Nullable JsonNode node(String name) {
            JsonNode n = frame.get(name);
            return n == null || n.isNull() ? null : n;
        }

        @Nullable String optionalString(String name) {
            JsonNode n = node(name);
            if (n == null) {
                return null;
            }
            if (!n.isTextual()) {
                throw bad("\"" + name + "\" must be a string");
            }
            return n.textValue();
        }

        String requiredString(String name) {
            String s = optionalString(name);
            if (s == null) {
                throw bad("missing \"" + name + "\"");
            }
            return s;
        }

        /** An optional non-negative integer within JavaScript's exact range. */
        @Nullable Long optionalSeq(String name) {
            JsonNode n = node(name);
            if (n == null) {
                return null;
            }
            if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0 || n.longValue() > MAX_SAFE_INTEGER) {
                throw bad("\"" + name + "\" must be an integer from 0 to 2^53-1");
            }
            return n.longValue();
        }

        /** The required, valid {@code room}: a name check, so it runs after shape and sizes. */
        String room() {
            String room = requiredString("room");
            if (!RoomNames.isValidRoom(room)) {
                throw new ProtocolException(ErrorCode.INVALID_ROOM, "invalid room name", ref);
            }
            return room;
        }

        ProtocolException bad(String message) {
            return new ProtocolException(ErrorCode.BAD_REQUEST, message, ref);
        }
    }

}
