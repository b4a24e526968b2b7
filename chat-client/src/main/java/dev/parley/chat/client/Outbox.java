package dev.parley.chat.client;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a {@link ParleyClient} keeps the publishes not yet acknowledged, with their {@code cid},
 * so that a client that restarts sends them again under the same cid and the server stores each
 * once (PROTOCOL §5.6), instead of losing them or, published again by the application, storing
 * them twice.
 *
 * <p>The client {@link #add}s a publish before it sends it, {@link #remove}s it once the server
 * acknowledged it (or refused it for good, or its publish timeout failed it), and, when it is
 * built, publishes again every {@link #pending} entry, before anything else. A publish that was
 * pending when the client closed or gave up stays in the outbox. An application that uses an
 * outbox joins its rooms before {@link ParleyClient#connect()}, so that the restored publishes
 * find their rooms joined.
 *
 * <p><b>Thread safety.</b> {@link #add} is called on the application's thread that publishes,
 * {@link #remove} on the client's I/O thread: an implementation must be thread-safe, and {@code
 * remove} should not block for long.
 *
 * <p><b>Lifecycle.</b> Opened by the application, handed to {@link ParleyClient.Builder#outbox},
 * used by one client at a time, and closed by the client when it closes.
 */
public interface Outbox extends AutoCloseable {

    /**
     * One pending publish.
     *
     * @param room the room it goes to
     * @param cid the client id the server dedupes it by
     * @param draft what is published
     */
    record Entry(String room, String cid, MessageDraft draft) {}

    /**
     * A file-backed outbox in {@code file}: each {@link #add} is written and forced to the disk
     * before it returns; a file torn by a crash loses at most the entry being written, which was
     * then not sent yet. The file is created if it does not exist.
     *
     * @throws dev.parley.chat.ChatException if the file cannot be opened or read
     */
    static Outbox inFile(Path file) {
        return FileOutbox.open(file);
    }

    /**
     * Records a publish about to be sent; durable when it returns.
     *
     * @throws dev.parley.chat.ChatException if it cannot be recorded (the publish then fails)
     */
    void add(Entry entry);

    /** Forgets the publish of {@code cid}; a no-op for an unknown cid. */
    void remove(String cid);

    /** The publishes added and not removed, in the order they were added. */
    List<Entry> pending();

    /** Releases the outbox's resources; what is pending stays for the next open. */
    @Override
    void close();
}
