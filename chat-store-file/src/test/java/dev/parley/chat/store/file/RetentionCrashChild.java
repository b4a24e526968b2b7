package dev.parley.chat.store.file;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;

/**
 * The process {@link FileStoreRetentionCrashIT} kills: appends to one room retaining 500 messages as
 * fast as it can (up to 32 in flight) and prints {@code A <seq> <first>} as each append is
 * acknowledged, {@code first} being the room's first seq the store reported just after it.
 */
public final class RetentionCrashChild {
    static final String ROOM = "retained";
    static final long RETAIN = 500;

    private RetentionCrashChild() {}

    static FileStoreOptions options() {
        return FileStoreOptions.builder().segmentBytes(64 * 1024).checkpointBytes(256 * 1024).retainMessages(RETAIN)
                .build();
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, false, "UTF-8");
        FileMessageStore store = FileMessageStore.open(Path.of(args[0]), options());
        store.create(ROOM, "", 1L);
        long start = store.room(ROOM).orElseThrow().lastSeq();
        Semaphore inFlight = new Semaphore(32);
        synchronized (out) {
            out.println("READY");
            out.flush();
        }
        for (long seq = start + 1; ; seq++) {
            inFlight.acquireUninterruptibly();
            long s = seq;
            store.append(CrashChild.expected(ROOM, s)).whenComplete((v, e) -> {
                inFlight.release();
                if (e == null) {
                    long first = store.room(ROOM).orElseThrow().firstSeq();
                    synchronized (out) {
                        out.println("A " + s + " " + first);
                        out.flush();
                    }
                }
            });
        }
    }
}
