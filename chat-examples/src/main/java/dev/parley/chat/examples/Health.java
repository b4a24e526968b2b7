package dev.parley.chat.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.store.file.DamagedRange;
import dev.parley.chat.store.file.FileMessageStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/health}: whether the store can be written and each transport is bound, and the
 * file store's damaged records.
 *
 * <p>{@code status} is {@code unavailable} (HTTP 503) when the store's directory cannot be written
 * or a transport does not accept connections; else {@code damaged} when the file store knows
 * damaged records; else {@code ok}. {@code damage} lists the damaged records per room as {@code
 * [first, last]} seq ranges, for an operator to look at and repair on purpose (chat-store-file's
 * FORMAT.md, "Repair"). {@code store.writable} is checked by creating and deleting a file in the
 * store's directory (a full disk or a read-only mount fails that); {@code transports.NAME.bound} by
 * opening a TCP connection to the transport's port and closing it at once.
 */
final class Health {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONNECT_TIMEOUT_MILLIS = 1000;

    private final MessageStore store;
    private final Path directory;
    private final Map<String, InetSocketAddress> transports;

    /**
     * @param store the server's store
     * @param directory where the store writes, or null for a store in memory (always writable)
     * @param transports the address of each transport by name ({@code ws}, {@code tcp})
     */
    Health(MessageStore store, Path directory, Map<String, InetSocketAddress> transports) {
        this.store = store;
        this.directory = directory;
        this.transports = Map.copyOf(transports);
    }

    ObjectNode check() {
        ObjectNode out = JSON.createObjectNode();
        boolean writable = storeWritable();
        ObjectNode bound = JSON.createObjectNode();
        boolean allBound = true;
        for (Map.Entry<String, InetSocketAddress> t : new LinkedHashMap<>(transports).entrySet()) {
            boolean accepts = accepts(t.getValue());
            allBound &= accepts;
            bound.putObject(t.getKey()).put("port", t.getValue().getPort()).put("bound", accepts);
        }
        ObjectNode damage = JSON.createObjectNode();
        if (store instanceof FileMessageStore file) {
            for (Map.Entry<String, List<DamagedRange>> e : file.damage().entrySet()) {
                ArrayNode ranges = damage.putArray(e.getKey());
                for (DamagedRange r : e.getValue()) {
                    ranges.addArray().add(r.firstSeq()).add(r.lastSeq());
                }
            }
        }
        out.put("status", !writable || !allBound ? "unavailable" : damage.isEmpty() ? "ok" : "damaged");
        out.putObject("store").put("writable", writable);
        out.set("transports", bound);
        out.set("damage", damage);
        return out;
    }

    private boolean storeWritable() {
        if (directory == null) {
            return true;
        }
        try {
            Path probe = Files.createTempFile(directory, ".health-", ".tmp");
            Files.delete(probe);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean accepts(InetSocketAddress address) {
        // A wildcard bind accepts on loopback too; connecting to 0.0.0.0 is not portable.
        InetAddress host = address.getAddress() == null || address.getAddress().isAnyLocalAddress()
                ? InetAddress.getLoopbackAddress()
                : address.getAddress();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, address.getPort()), CONNECT_TIMEOUT_MILLIS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
