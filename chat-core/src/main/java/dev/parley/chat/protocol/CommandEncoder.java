package dev.parley.chat.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.jspecify.annotations.Nullable;

/**
 * Encodes client commands as the text frames of PROTOCOL §4: what a Java client sends, and the
 * inverse of {@link CommandDecoder} ({@code decode(encode(c))} equals {@code c} for every valid
 * command). Absent optional fields are left out.
 *
 * <p><b>Thread safety.</b> Stateless; safe from any thread.
 */
public final class CommandEncoder {
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private CommandEncoder() {}

    /** The frame text of a command. */
    public static String encode(Command command) {
        StringWriter out = new StringWriter(128);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            write(g, command);
            if (command.ref() != null) {
                g.writeFieldName("ref");
                g.writeRawValue(command.ref().json());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("encoding to memory cannot fail", e);
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, Command command) throws IOException {
        if (command instanceof Command.Hello) {
            Command.Hello c = (Command.Hello) command;
            g.writeStringField("type", "hello");
            g.writeNumberField("v", 1);
            optional(g, "user", c.user());
            optional(g, "token", c.token());
            optional(g, "client", c.client());
        } else if (command instanceof Command.Join) {
            Command.Join c = (Command.Join) command;
            g.writeStringField("type", "join");
            g.writeStringField("room", c.room());
            if (c.since() != null) {
                g.writeNumberField("since", c.since());
            }
            optional(g, "epoch", c.epoch());
            if (c.recent() != null) {
                g.writeNumberField("recent", c.recent());
            }
        } else if (command instanceof Command.Leave) {
            g.writeStringField("type", "leave");
            g.writeStringField("room", ((Command.Leave) command).room());
        } else if (command instanceof Command.Publish) {
            Command.Publish c = (Command.Publish) command;
            g.writeStringField("type", "publish");
            g.writeStringField("room", c.room());
            g.writeStringField("body", c.body());
            optional(g, "cid", c.cid());
            g.writeStringField("kind", c.kind().wireName());
            if (c.target() > 0) {
                g.writeNumberField("target", c.target());
            }
            if (c.replyTo() > 0) {
                g.writeNumberField("replyTo", c.replyTo());
            }
            if (c.meta() != null) {
                g.writeFieldName("meta");
                g.writeRawValue(c.meta());
            }
        } else if (command instanceof Command.History) {
            Command.History c = (Command.History) command;
            g.writeStringField("type", "history");
            g.writeStringField("room", c.room());
            if (c.before() != null) {
                g.writeNumberField("before", c.before());
            }
            if (c.after() != null) {
                g.writeNumberField("after", c.after());
            }
            if (c.limit() != null) {
                g.writeNumberField("limit", c.limit());
            }
        } else if (command instanceof Command.Members) {
            g.writeStringField("type", "members");
            g.writeStringField("room", ((Command.Members) command).room());
        } else if (command instanceof Command.Status) {
            g.writeStringField("type", "status");
            g.writeStringField("status", ((Command.Status) command).status().wireName());
        } else if (command instanceof Command.Typing) {
            Command.Typing c = (Command.Typing) command;
            g.writeStringField("type", "typing");
            g.writeStringField("room", c.room());
            g.writeBooleanField("typing", c.typing());
        } else if (command instanceof Command.Read) {
            Command.Read c = (Command.Read) command;
            g.writeStringField("type", "read");
            g.writeStringField("room", c.room());
            g.writeNumberField("seq", c.seq());
        } else if (command instanceof Command.Rooms) {
            g.writeStringField("type", "rooms");
        } else if (command instanceof Command.Create) {
            Command.Create c = (Command.Create) command;
            g.writeStringField("type", "create");
            g.writeStringField("room", c.room());
            g.writeStringField("topic", c.topic());
        } else if (command instanceof Command.Ping) {
            g.writeStringField("type", "ping");
        } else {
            throw new IllegalArgumentException("unknown command " + command);
        }
    }

    private static void optional(JsonGenerator g, String name, @Nullable String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }
}
