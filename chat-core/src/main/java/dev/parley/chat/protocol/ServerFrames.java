package dev.parley.chat.protocol;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerationException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.Member;
import dev.parley.chat.Message;
import dev.parley.chat.spi.OutboundFrame;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encodes the server's frames of PROTOCOL §4 — replies, pushes, errors — as {@link OutboundFrame}s
 * ready to be shared by every connection they go to. Optional fields that are unset are left out,
 * never written as {@code null}.
 *
 * <p><b>Thread safety.</b> Stateless; safe from any thread.
 */
public final class ServerFrames {
    private static final Logger log = LoggerFactory.getLogger(ServerFrames.class);
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private ServerFrames() {}

    /** The {@code welcome} reply to {@code hello}, for credentials that do not expire. */
    public static OutboundFrame welcome(
            @Nullable Ref ref, String session, String user, long heartbeatMs, int maxFrameBytes, int maxBodyBytes,
            int historyLimit, int publishPerSecond) {
        return welcome(ref, session, user, heartbeatMs, maxFrameBytes, maxBodyBytes, historyLimit, publishPerSecond, -1);
    }

    /**
     * The {@code welcome} reply to {@code hello}.
     *
     * @param tokenExpiresInMs how long until the credentials of this {@code hello} expire, so that a
     *     client can send a fresh token in time; negative when they do not expire (the field is
     *     then left out)
     */
    public static OutboundFrame welcome(
            @Nullable Ref ref, String session, String user, long heartbeatMs, int maxFrameBytes, int maxBodyBytes,
            int historyLimit, int publishPerSecond, long tokenExpiresInMs) {
        return write(g -> {
            start(g, "welcome", ref);
            g.writeNumberField("v", 1);
            g.writeStringField("session", session);
            g.writeStringField("user", user);
            g.writeNumberField("heartbeatMs", heartbeatMs);
            g.writeObjectFieldStart("limits");
            g.writeNumberField("maxFrameBytes", maxFrameBytes);
            g.writeNumberField("maxBodyBytes", maxBodyBytes);
            g.writeNumberField("historyLimit", historyLimit);
            g.writeNumberField("publishPerSecond", publishPerSecond);
            g.writeEndObject();
            if (tokenExpiresInMs >= 0) {
                g.writeNumberField("tokenExpiresInMs", tokenExpiresInMs);
            }
        });
    }

    /** The {@code joined} reply. */
    public static OutboundFrame joined(
            @Nullable Ref ref, String room, String epoch, long seq, long first, long read, List<Member> members,
            List<Message> messages, boolean recovered) {
        return writeRepairing(repair -> g -> {
            start(g, "joined", ref);
            g.writeStringField("room", room);
            g.writeStringField("epoch", epoch);
            g.writeNumberField("seq", seq);
            g.writeNumberField("first", first);
            g.writeNumberField("read", read);
            writeMembers(g, members);
            writeMessages(g, messages, repair);
            g.writeBooleanField("recovered", recovered);
        }, "joined " + room);
    }

    /** The {@code left} reply. */
    public static OutboundFrame left(@Nullable Ref ref, String room) {
        return write(g -> {
            start(g, "left", ref);
            g.writeStringField("room", room);
        });
    }

    /** The {@code published} reply. */
    public static OutboundFrame published(@Nullable Ref ref, Message message, boolean duplicate) {
        return write(g -> {
            start(g, "published", ref);
            g.writeStringField("room", message.room());
            g.writeNumberField("seq", message.seq());
            g.writeStringField("id", message.id());
            g.writeNumberField("ts", message.ts());
            g.writeBooleanField("duplicate", duplicate);
        });
    }

    /** The {@code history} reply. */
    public static OutboundFrame history(@Nullable Ref ref, String room, List<Message> messages, boolean hasMore) {
        return writeRepairing(repair -> g -> {
            start(g, "history", ref);
            g.writeStringField("room", room);
            writeMessages(g, messages, repair);
            g.writeBooleanField("hasMore", hasMore);
        }, "history " + room);
    }

    /** The {@code members} reply, or without ref the push a caught-up slow reader gets. */
    public static OutboundFrame members(@Nullable Ref ref, String room, List<Member> members) {
        return write(g -> {
            start(g, "members", ref);
            g.writeStringField("room", room);
            writeMembers(g, members);
        });
    }

    /** The {@code status} reply. */
    public static OutboundFrame status(@Nullable Ref ref, String status) {
        return write(g -> {
            start(g, "status", ref);
            g.writeStringField("status", status);
        });
    }

    /** The {@code read} reply. */
    public static OutboundFrame read(@Nullable Ref ref, String room, long seq) {
        return write(g -> {
            start(g, "read", ref);
            g.writeStringField("room", room);
            g.writeNumberField("seq", seq);
        });
    }

    /** The {@code rooms} reply. */
    public static OutboundFrame rooms(@Nullable Ref ref, List<RoomSummary> rooms) {
        return write(g -> {
            start(g, "rooms", ref);
            g.writeArrayFieldStart("rooms");
            for (RoomSummary r : rooms) {
                g.writeStartObject();
                g.writeStringField("room", r.room());
                g.writeStringField("topic", r.topic());
                g.writeNumberField("members", r.members());
                g.writeNumberField("seq", r.seq());
                g.writeNumberField("read", r.read());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    /** The {@code created} reply. */
    public static OutboundFrame created(@Nullable Ref ref, String room, String topic) {
        return write(g -> {
            start(g, "created", ref);
            g.writeStringField("room", room);
            g.writeStringField("topic", topic);
        });
    }

    /** The {@code pong} reply. */
    public static OutboundFrame pong(@Nullable Ref ref) {
        return write(g -> start(g, "pong", ref));
    }

    /** The {@code message} push. */
    public static OutboundFrame message(Message message) {
        return writeRepairing(repair -> g -> {
            g.writeStringField("type", "message");
            writeMessageFields(g, repair ? repaired(message) : message);
        }, "room " + message.room() + " seq " + message.seq());
    }

    /** The {@code presence} push. */
    public static OutboundFrame presence(String room, String user, String status, String event) {
        return write(g -> {
            g.writeStringField("type", "presence");
            g.writeStringField("room", room);
            g.writeStringField("user", user);
            g.writeStringField("status", status);
            g.writeStringField("event", event);
        });
    }

    /** The {@code typing} push. */
    public static OutboundFrame typing(String room, String user, boolean typing) {
        return write(g -> {
            g.writeStringField("type", "typing");
            g.writeStringField("room", room);
            g.writeStringField("user", user);
            g.writeBooleanField("typing", typing);
        });
    }

    /** The {@code receipt} push. */
    public static OutboundFrame receipt(String room, String user, long seq) {
        return write(g -> {
            g.writeStringField("type", "receipt");
            g.writeStringField("room", room);
            g.writeStringField("user", user);
            g.writeNumberField("seq", seq);
        });
    }

    /** The {@code error} push; {@code retryAfterMs} is left out when 0. */
    public static OutboundFrame error(@Nullable Ref ref, ErrorCode code, String message, long retryAfterMs) {
        return write(g -> {
            start(g, "error", ref);
            g.writeStringField("code", code.name());
            // A message may quote what the client sent, which need not be Unicode text.
            g.writeStringField("message", UnicodeText.repaired(message));
            if (retryAfterMs > 0) {
                g.writeNumberField("retryAfterMs", retryAfterMs);
            }
        });
    }

    /** The {@code bye} push sent just before the server closes a connection. */
    public static OutboundFrame bye(String code, String message) {
        return write(g -> {
            g.writeStringField("type", "bye");
            g.writeStringField("code", code);
            g.writeStringField("message", message);
        });
    }

    private static void start(JsonGenerator g, String type, @Nullable Ref ref) throws IOException {
        g.writeStringField("type", type);
        if (ref != null) {
            g.writeFieldName("ref");
            g.writeRawValue(ref.json());
        }
    }

    private static void writeMembers(JsonGenerator g, List<Member> members) throws IOException {
        g.writeArrayFieldStart("members");
        for (Member m : members) {
            g.writeStartObject();
            g.writeStringField("user", m.user());
            g.writeStringField("status", m.status().wireName());
            g.writeNumberField("lastSeen", m.lastSeen());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeMessages(JsonGenerator g, List<Message> messages, boolean repair) throws IOException {
        g.writeArrayFieldStart("messages");
        for (Message m : messages) {
            g.writeStartObject();
            writeMessageFields(g, repair ? repaired(m) : m);
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** The message with every unpaired surrogate of its text replaced by U+FFFD. */
    private static Message repaired(Message m) {
        return new Message(UnicodeText.repaired(m.room()), m.seq(), UnicodeText.repaired(m.id()),
                UnicodeText.repaired(m.user()), UnicodeText.repaired(m.body()), m.ts(), m.kind(),
                m.cid() == null ? null : UnicodeText.repaired(m.cid()), m.target(), m.replyTo(),
                m.meta() == null ? null : UnicodeText.repaired(m.meta()));
    }

    private static void writeMessageFields(JsonGenerator g, Message m) throws IOException {
        g.writeStringField("room", m.room());
        g.writeNumberField("seq", m.seq());
        g.writeStringField("id", m.id());
        g.writeStringField("user", m.user());
        g.writeStringField("body", m.body());
        g.writeNumberField("ts", m.ts());
        g.writeStringField("kind", m.kind().wireName());
        if (m.cid() != null) {
            g.writeStringField("cid", m.cid());
        }
        if (m.target() > 0) {
            g.writeNumberField("target", m.target());
        }
        if (m.replyTo() > 0) {
            g.writeNumberField("replyTo", m.replyTo());
        }
        if (m.meta() != null) {
            // Stored as the compact JSON the decoder produced; it is trusted, so no re-parse.
            g.writeFieldName("meta");
            g.writeRawValue(m.meta());
        }
    }

    @FunctionalInterface
    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /**
     * Writes a frame that carries stored messages. The decoder refuses text that is not Unicode,
     * but a message stored before it did, or one a server-side listener rewrote, may still hold
     * an unpaired surrogate, which Jackson's UTF-8 generator cannot write. Such a frame is written
     * again with U+FFFD in its place and logged: one bad message must never stop a room's
     * deliveries, resumes or history.
     */
    private static OutboundFrame writeRepairing(Function<Boolean, Body> body, String what) {
        try {
            return write(body.apply(false));
        } catch (NotUnicodeText e) {
            log.error("{}: a stored message holds text that is not Unicode ({}); sent with U+FFFD in its place",
                    what, e.getMessage());
            return write(body.apply(true));
        }
    }

    private static OutboundFrame write(Body body) {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (JsonGenerationException e) {
            throw new NotUnicodeText(e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("encoding to memory cannot fail", e);
        }
        return OutboundFrame.ofUtf8(out.toByteArray());
    }

    /** What Jackson's generator refuses in memory: text with an unpaired surrogate. */
    private static final class NotUnicodeText extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotUnicodeText(String message) {
            super(message, null, false, false);
        }
    }
}
