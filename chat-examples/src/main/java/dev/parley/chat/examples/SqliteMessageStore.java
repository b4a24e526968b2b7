package dev.parley.chat.examples;

import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import dev.parley.chat.StoreException;
import dev.parley.chat.spi.MessageStore;
import dev.parley.chat.spi.RoomInfo;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link MessageStore} on SQLite, one database file: a start to copy when you want Parley's
 * messages in a database of your own. It passes {@code MessageStoreContract} (see {@code
 * SqliteMessageStoreContractTest}); the example server uses it with {@code --store sqlite}.
 *
 * <pre>{@code
 * ChatServer server = ChatServer.builder()
 *         .store(SqliteMessageStore.open(Path.of("data", "parley.db")))
 *         .build();
 * }</pre>
 *
 * <p>What a store owes the engine, and how this one does it:
 *
 * <ul>
 *   <li><b>Appends are batched.</b> {@link #append} only checks the seq and queues the message;
 *       one writer thread takes everything queued, writes it in one transaction and commits
 *       (SQLite's WAL with {@code synchronous=FULL}: durable once the commit returns), and only
 *       then completes the futures, in queue order. The engine appends a room's messages in seq
 *       order, so its futures complete in seq order, and many appends share one fsync.
 *   <li><b>The store refuses a gap.</b> It keeps each room's last accepted seq in memory
 *       (including appends still queued), so a gap or a repeat is refused at once.
 *   <li><b>Bodies are kept as UTF-16 code units</b> in a BLOB, not as TEXT: the JDBC driver
 *       writes TEXT as UTF-8 and would replace an unpaired surrogate, and the contract asks that
 *       every Java string come back as it went in.
 *   <li>Retention by count ({@code retainMessages}) deletes a room's old rows in the same
 *       transaction as the append that pushes them out.
 * </ul>
 *
 * <p><b>Thread safety.</b> Safe from any thread: one JDBC connection, used under one lock, which
 * the writer holds for a batch. Fine for an example and a small server; a busy one would give
 * reads their own connection (WAL allows readers beside the writer).
 *
 * <p><b>Lifecycle.</b> {@link #open} creates the file and its tables if needed; {@link #close}
 * commits what is queued, completes those futures, and closes the database. After close every
 * method fails with {@link StoreException}.
 */
public final class SqliteMessageStore implements MessageStore {
    private static final Logger log = LoggerFactory.getLogger(SqliteMessageStore.class);
    private static final int MAX_BATCH = 1_000;
    private static final String COLUMNS = "seq, id, user, body, ts, kind, cid, target, reply_to, meta";

    private final Connection db;
    private final long retainMessages;
    /** The last seq accepted per room, queued appends included; guarded by {@code this}. */
    private final Map<String, Long> accepted = new HashMap<>();
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean closed;

    private record Pending(Message message, CompletableFuture<Void> done) {}

    /** The end of the queue: the writer stops when it takes it. */
    private static final Pending STOP = new Pending(
            new Message("-", 1, "-", "-", "", 0, MessageKind.TEXT, null, 0, 0, null), new CompletableFuture<>());

    private SqliteMessageStore(Connection db, long retainMessages) {
        this.db = db;
        this.retainMessages = retainMessages;
        this.writer = new Thread(this::writeBatches, "sqlite-store-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /**
     * Opens (or creates) the store in {@code file}, keeping every message.
     *
     * @throws StoreException if the database cannot be opened
     */
    public static SqliteMessageStore open(Path file) {
        return open(file, 0);
    }

    /**
     * Opens (or creates) the store in {@code file}, keeping the latest {@code retainMessages} of
     * each room (0 for all).
     *
     * @throws IllegalArgumentException if {@code retainMessages} is negative
     * @throws StoreException if the database cannot be opened
     */
    public static SqliteMessageStore open(Path file, long retainMessages) {
        if (retainMessages < 0) {
            throw new IllegalArgumentException("retainMessages was " + retainMessages + " but must be at least 0");
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL"); // a committed append survives a power cut
                s.execute("CREATE TABLE IF NOT EXISTS rooms (room TEXT PRIMARY KEY, epoch TEXT NOT NULL,"
                        + " topic TEXT NOT NULL, created_at INTEGER NOT NULL, last_seq INTEGER NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS messages (room TEXT NOT NULL, seq INTEGER NOT NULL,"
                        + " id TEXT NOT NULL, user TEXT NOT NULL, body BLOB NOT NULL, ts INTEGER NOT NULL,"
                        + " kind TEXT NOT NULL, cid TEXT, target INTEGER NOT NULL, reply_to INTEGER NOT NULL,"
                        + " meta TEXT, PRIMARY KEY (room, seq)) WITHOUT ROWID");
                s.execute("CREATE TABLE IF NOT EXISTS markers (room TEXT NOT NULL, user TEXT NOT NULL,"
                        + " seq INTEGER NOT NULL, PRIMARY KEY (room, user)) WITHOUT ROWID");
            }
            db.setAutoCommit(false);
            db.commit();
            return new SqliteMessageStore(db, retainMessages);
        } catch (Exception e) {
            throw new StoreException("cannot open the SQLite store " + file, e);
        }
    }

    @Override
    public synchronized Optional<RoomInfo> room(String room) {
        checkOpen();
        try (PreparedStatement q = db.prepareStatement(
                "SELECT room, epoch, topic, created_at, last_seq, (SELECT MIN(seq) FROM messages m WHERE m.room = r.room)"
                        + " FROM rooms r WHERE room = ?")) {
            q.setString(1, room);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? Optional.of(roomInfo(rs)) : Optional.empty();
            } finally {
                db.commit(); // end the read transaction, so the WAL can be checkpointed
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read room " + room, e);
        }
    }

    @Override
    public synchronized Optional<RoomInfo> create(String room, String topic, long createdAt) {
        checkOpen();
        try (PreparedStatement insert = db.prepareStatement(
                "INSERT OR IGNORE INTO rooms (room, epoch, topic, created_at, last_seq) VALUES (?, ?, ?, ?, 0)")) {
            String epoch = "e-" + UUID.randomUUID();
            insert.setString(1, room);
            insert.setString(2, epoch);
            insert.setString(3, topic);
            insert.setLong(4, createdAt);
            boolean created = insert.executeUpdate() == 1;
            db.commit();
            if (!created) {
                return Optional.empty();
            }
            accepted.put(room, 0L);
            return Optional.of(new RoomInfo(room, epoch, topic, createdAt, 0, 0));
        } catch (SQLException e) {
            rollback();
            throw new StoreException("cannot create room " + room, e);
        }
    }

    @Override
    public CompletableFuture<Void> append(Message message) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new StoreException("the SQLite store is closed"));
            }
            Long last = accepted.get(message.room());
            if (last == null) {
                Optional<RoomInfo> info = room(message.room());
                if (info.isEmpty()) {
                    return CompletableFuture.failedFuture(new IllegalArgumentException("no room " + message.room()));
                }
                last = info.get().lastSeq();
            }
            if (message.seq() != last + 1) {
                return CompletableFuture.failedFuture(new IllegalArgumentException(
                        "room " + message.room() + " expects seq " + (last + 1) + " but was given " + message.seq()));
            }
            accepted.put(message.room(), message.seq());
            queue.add(new Pending(message, done));
        }
        return done;
    }

    @Override
    public synchronized List<Message> readAfter(String room, long afterSeq, int limit) {
        return read("SELECT " + COLUMNS + " FROM messages WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?",
                room, afterSeq, limit);
    }

    @Override
    public synchronized List<Message> readBefore(String room, long beforeSeq, int limit) {
        List<Message> latestFirst = read(
                "SELECT " + COLUMNS + " FROM messages WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                room, beforeSeq, limit);
        Collections.reverse(latestFirst);
        return latestFirst;
    }

    @Override
    public synchronized long readMarker(String room, String user) {
        checkOpen();
        try (PreparedStatement q = db.prepareStatement("SELECT seq FROM markers WHERE room = ? AND user = ?")) {
            q.setString(1, room);
            q.setString(2, user);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            } finally {
                db.commit();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the marker of " + user + " in " + room, e);
        }
    }

    @Override
    public synchronized long moveReadMarker(String room, String user, long seq) {
        checkOpen();
        try (PreparedStatement upsert = db.prepareStatement("INSERT INTO markers (room, user, seq) VALUES (?, ?, ?)"
                + " ON CONFLICT (room, user) DO UPDATE SET seq = MAX(seq, excluded.seq)")) {
            upsert.setString(1, room);
            upsert.setString(2, user);
            upsert.setLong(3, seq);
            upsert.executeUpdate();
            db.commit();
        } catch (SQLException e) {
            rollback();
            throw new StoreException("cannot move the marker of " + user + " in " + room, e);
        }
        return readMarker(room, user);
    }

    @Override
    public synchronized List<RoomInfo> rooms() {
        checkOpen();
        List<RoomInfo> rooms = new ArrayList<>();
        try (PreparedStatement q = db.prepareStatement(
                "SELECT room, epoch, topic, created_at, last_seq, (SELECT MIN(seq) FROM messages m WHERE m.room = r.room)"
                        + " FROM rooms r")) {
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    rooms.add(roomInfo(rs));
                }
            } finally {
                db.commit();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot list the rooms", e);
        }
        // Sorted here, not by SQL: String.compareTo is the order the SPI promises, whatever collation.
        rooms.sort((a, b) -> a.room().compareTo(b.room()));
        return rooms;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(STOP);
        }
        try {
            writer.join(); // it commits everything queued before STOP
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            try {
                db.close();
            } catch (SQLException e) {
                throw new StoreException("cannot close the SQLite store", e);
            }
        }
    }

    // ------------------------------------------------------------------ the writer

    private void writeBatches() {
        List<Pending> batch = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue; // only close() ends the writer, after the last batch
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            stop = batch.remove(STOP);
            if (!batch.isEmpty()) {
                commit(batch);
            }
            batch.clear();
        }
    }

    /** Writes one batch in one transaction, then completes its futures in order. */
    private void commit(List<Pending> batch) {
        synchronized (this) {
            try (PreparedStatement insert = db.prepareStatement("INSERT INTO messages (room, " + COLUMNS + ")"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                    PreparedStatement head = db.prepareStatement("UPDATE rooms SET last_seq = ? WHERE room = ?");
                    PreparedStatement trim = db.prepareStatement("DELETE FROM messages WHERE room = ? AND seq <= ?")) {
                Map<String, Long> heads = new HashMap<>();
                for (Pending p : batch) {
                    bind(insert, p.message());
                    insert.addBatch();
                    heads.put(p.message().room(), p.message().seq());
                }
                insert.executeBatch();
                for (Map.Entry<String, Long> e : heads.entrySet()) {
                    head.setLong(1, e.getValue());
                    head.setString(2, e.getKey());
                    head.executeUpdate();
                    if (retainMessages > 0) {
                        trim.setString(1, e.getKey());
                        trim.setLong(2, e.getValue() - retainMessages);
                        trim.executeUpdate();
                    }
                }
                db.commit();
            } catch (SQLException | RuntimeException e) {
                rollback();
                // The seqs counted for the failed batch were never stored: forget them, so the
                // rooms are reread from the database, and fail what was queued behind it too,
                // since it was checked against those seqs.
                log.error("SQLite store: a batch of {} appends failed", batch.size(), e);
                List<Pending> behind = new ArrayList<>();
                queue.drainTo(behind);
                if (behind.remove(STOP)) {
                    queue.add(STOP);
                }
                accepted.clear();
                StoreException failure = new StoreException("the SQLite store failed to commit", e);
                batch.forEach(p -> p.done().completeExceptionally(failure));
                behind.forEach(p -> p.done().completeExceptionally(failure));
                return;
            }
        }
        // Outside the lock: the engine's callbacks may read the store.
        batch.forEach(p -> p.done().complete(null));
    }

    // ------------------------------------------------------------------ rows

    private List<Message> read(String sql, String room, long seq, int limit) {
        checkOpen();
        List<Message> messages = new ArrayList<>();
        if (limit <= 0) {
            return messages;
        }
        try (PreparedStatement q = db.prepareStatement(sql)) {
            q.setString(1, room);
            q.setLong(2, seq);
            q.setInt(3, limit);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    messages.add(new Message(room, rs.getLong(1), rs.getString(2), rs.getString(3), utf16(rs.getBytes(4)),
                            rs.getLong(5), MessageKind.fromWireName(rs.getString(6)), rs.getString(7), rs.getLong(8),
                            rs.getLong(9), rs.getString(10)));
                }
            } finally {
                db.commit();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read room " + room, e);
        }
        return messages;
    }

    private static void bind(PreparedStatement insert, Message m) throws SQLException {
        insert.setString(1, m.room());
        insert.setLong(2, m.seq());
        insert.setString(3, m.id());
        insert.setString(4, m.user());
        insert.setBytes(5, utf16(m.body()));
        insert.setLong(6, m.ts());
        insert.setString(7, m.kind().wireName());
        insert.setString(8, m.cid());
        insert.setLong(9, m.target());
        insert.setLong(10, m.replyTo());
        insert.setString(11, m.meta());
    }

    private static RoomInfo roomInfo(ResultSet rs) throws SQLException {
        long first = rs.getLong(6); // NULL (no messages) reads as 0
        return new RoomInfo(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), first, rs.getLong(5));
    }

    private static byte[] utf16(String s) {
        ByteBuffer bytes = ByteBuffer.allocate(s.length() * 2);
        bytes.asCharBuffer().put(s); // code units as they are: no charset encoder to replace any
        return bytes.array();
    }

    private static String utf16(byte[] bytes) {
        return ByteBuffer.wrap(bytes).asCharBuffer().toString();
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreException("the SQLite store is closed");
        }
    }

    private void rollback() {
        try {
            db.rollback();
        } catch (SQLException e) {
            log.warn("SQLite store: rollback failed", e);
        }
    }
}
