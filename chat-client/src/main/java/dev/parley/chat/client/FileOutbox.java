package dev.parley.chat.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.MessageKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Outbox#inFile}: an append-only file of JSON lines, one per {@code add} (forced to the
 * disk before it returns) and one per {@code remove} (not forced: a remove lost in a crash only
 * makes the restarted client send an acknowledged publish again, which its cid dedupes). Opening
 * it keeps what is pending, drops a torn last line, and rewrites the file with the pending
 * entries only (to a temporary file, forced, then renamed over it).
 */
final class FileOutbox implements Outbox {
    private static final Logger log = LoggerFactory.getLogger(ParleyClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final Map<String, Entry> pending;

    private FileOutbox(Path file, FileChannel channel, Map<String, Entry> pending) {
        this.file = file;
        this.channel = channel;
        this.pending = pending;
    }

    static FileOutbox open(Path file) {
        try {
            Map<String, Entry> pending = read(file);
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                for (Entry e : pending.values()) {
                    writeFully(out, addLine(e));
                }
                out.force(true);
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            forceDirectory(file);
            FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            return new FileOutbox(file, channel, pending);
        } catch (IOException e) {
            throw new ChatException(ErrorCode.UNAVAILABLE, "cannot open the outbox " + file + ": " + e, e);
        }
    }

    private static Map<String, Entry> read(Path file) throws IOException {
        Map<String, Entry> pending = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return pending;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                if (i == lines.size() - 1) {
                    // A crash while writing the last line: that publish was not sent yet.
                    log.info("outbox {}: dropping a torn last line", file);
                    continue;
                }
                throw new IOException("line " + (i + 1) + " is not JSON", e);
            }
            String cid = n.path("cid").asText();
            if (n.path("op").asText().equals("remove")) {
                pending.remove(cid);
            } else {
                JsonNode meta = n.get("meta");
                MessageDraft draft = new MessageDraft(MessageKind.valueOf(n.path("kind").asText()),
                        n.path("body").asText(), n.path("target").asLong(), n.path("replyTo").asLong(),
                        meta == null || meta.isNull() ? null : meta.asText());
                pending.put(cid, new Entry(n.path("room").asText(), cid, draft));
            }
        }
        return pending;
    }

    @Override
    public synchronized void add(Entry entry) {
        try {
            writeFully(channel, addLine(entry));
            channel.force(false);
        } catch (IOException e) {
            throw new ChatException(ErrorCode.UNAVAILABLE, "cannot write the outbox " + file + ": " + e, e);
        }
        pending.put(entry.cid(), entry);
    }

    @Override
    public synchronized void remove(String cid) {
        if (pending.remove(cid) == null) {
            return;
        }
        ObjectNode n = JSON.createObjectNode().put("op", "remove").put("cid", cid);
        try {
            writeFully(channel, n.toString() + "\n");
        } catch (IOException e) {
            log.warn("outbox {}: cannot record the acknowledgement of {}: {}", file, cid, e.toString());
        }
    }

    @Override
    public synchronized List<Entry> pending() {
        return List.copyOf(new ArrayList<>(pending.values()));
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("outbox {}: close failed: {}", file, e.toString());
        }
    }

    private static String addLine(Entry e) {
        MessageDraft d = e.draft();
        ObjectNode n = JSON.createObjectNode().put("op", "add").put("room", e.room()).put("cid", e.cid())
                .put("kind", d.kind().name()).put("body", d.body()).put("target", d.target())
                .put("replyTo", d.replyTo()).put("meta", d.meta());
        return n.toString() + "\n";
    }

    private static void writeFully(FileChannel channel, String text) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    private static void forceDirectory(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some file systems cannot open a directory; the rename is then as durable as they make it.
            log.debug("outbox {}: cannot force the directory: {}", file, e.toString());
        }
    }
}
