package dev.parley.chat.store.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A room's durable high mark (FORMAT.md, "High mark"): the highest seq known to have been durable
 * in this epoch, from the {@code high} file (written at each checkpoint and clean close), the
 * {@code clean} marker and the journal's records. A log that recovers to less has lost acknowledged
 * records and begins a new epoch. The file has two slots written in turn, so a torn write leaves
 * the other one valid. Recovery, then the checkpointing thread.
 */
final class HighMark {
    static final String FILE = "high";
    /** One slot: magic, version, reserved, generation, high mark, reserved, CRC. */
    private static final int SLOT_BYTES = 32;

    private final Path file;
    private final Disk disk;
    private volatile long mark;
    /** The generation of the file's newest valid slot; the next write goes to the other. */
    private long generation;

    HighMark(Path directory, Disk disk) {
        this.file = directory.resolve(FILE);
        this.disk = disk;
    }

    long get() {
        return mark;
    }

    /** Raises the mark in memory (what recovery learnt was durable); written at the next {@link #write}. */
    void raise(long seq) {
        mark = Math.max(mark, seq);
    }

    /** Forgets what is in memory (the room is released; {@link #read} reads it again). */
    void reset() {
        mark = 0;
        generation = 0;
    }

    /** Sets the mark to what the file's newest valid slot holds, 0 if none. */
    void read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            mark = 0;
            return;
        }
        long found = 0;
        for (int slot = 0; slot + SLOT_BYTES <= bytes.length && slot < 2 * SLOT_BYTES; slot += SLOT_BYTES) {
            ByteBuffer b = ByteBuffer.wrap(bytes, slot, SLOT_BYTES).slice().order(ByteOrder.LITTLE_ENDIAN);
            CRC32C crc = new CRC32C();
            crc.update(bytes, slot, SLOT_BYTES - 4);
            if (b.getInt(0) != SmallFiles.MAGIC_HIGH || b.getShort(4) != SmallFiles.VERSION
                    || b.getInt(SLOT_BYTES - 4) != (int) crc.getValue()) {
                continue;
            }
            long g = b.getLong(8);
            if (g > generation) {
                generation = g;
                found = b.getLong(16);
            }
        }
        mark = found;
    }

    /** Makes {@code seq} the durable high mark: one write into the slot the newest one is not in, and one fsync. */
    void write(long seq) throws IOException {
        boolean created = !Files.exists(file);
        long g = generation + 1;
        ByteBuffer slot = ByteBuffer.allocate(SLOT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        slot.putInt(SmallFiles.MAGIC_HIGH).putShort((short) SmallFiles.VERSION).putShort((short) 0).putLong(g)
                .putLong(seq).putInt(0);
        CRC32C crc = new CRC32C();
        crc.update(slot.array(), 0, SLOT_BYTES - 4);
        slot.putInt((int) crc.getValue()).flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            disk.write(ch, file, slot, (g % 2) * SLOT_BYTES);
            disk.force(ch, file);
        }
        if (created) {
            disk.syncDirectory(file.getParent());
        }
        generation = g;
        mark = seq;
    }
}
