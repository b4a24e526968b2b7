package dev.parley.chat.store.file;

/**
 * Seqs of a room whose records are damaged on disk (a corrupt record, or records of which no copy
 * survived), as {@link FileMessageStore#damage()} lists them. Reads that cross them fail with
 * {@link dev.parley.chat.StoreException}; the rest of the room, and appends, go on.
 *
 * @param firstSeq the first damaged seq
 * @param lastSeq the last damaged seq, at least {@code firstSeq}
 */
public record DamagedRange(long firstSeq, long lastSeq) {
    /** Checks that the range is not empty. */
    public DamagedRange {
        if (firstSeq < 1 || lastSeq < firstSeq) {
            throw new IllegalArgumentException("damaged range " + firstSeq + ".." + lastSeq + " is empty or below 1");
        }
    }
}
