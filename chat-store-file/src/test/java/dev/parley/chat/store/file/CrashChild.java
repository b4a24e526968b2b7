package dev.parley.chat.store.file;

import dev.parley.chat.Message;
import dev.parley.chat.MessageKind;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;

/**
 * The process {@link FileStoreCrashIT} kills: appends to many rooms as fast as it can (up to 32 in
 * flight per room) and prints {@code A <room> <seq>} the moment each append is acknowledged. Small
 * segments and frequent checkpoints make the kills land in segment rolls, checkpoints and journal
 * rotations too.
 */
public final class CrashChild {
    private CrashChild() {}

    /** The message every run writes at {@code seq} of {@code room}, so a reopen can check identity. */
    static Message expected(String room, long seq) {
        return new Message(room, seq, "m-" + room + "-" + seq, "user" + seq % 5,
                "crash body " + seq + " 😀 " + "x".repeat((int) (seq % 200)), 1_700_000_000_000L + seq,
                MessageKind.TEXT, seq % 2 == 0 ? "cid-" + seq : null, 0, seq > 1 ? seq - 1 : 0,
                seq % 3 == 0 ? "{\"s\":" + seq + "}" : null);
    }

    /** The options of the child and of the test's reopen: the default {@code FSYNC} through the journal. */
    static FileStoreOptions options() {
        return FileStoreOptions.builder().segmentBytes(64 * 1024).checkpointBytes(64 * 1024).build();
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int rooms = Integer.parseInt(args[1]);
        PrintStream out = new PrintStream(System.out, false, "UTF-8");
        FileMessageStore store = FileMessageStore.open(dir, options());
        Thread[] writers = new Thread[rooms];
        for (int r = 0; r < rooms; r++) {
            String room = "room-" + r;
            store.create(room, "", 1L);
            long start = store.room(room).orElseThrow().lastSeq();
            writers[r] = new Thread(() -> {
                Semaphore inFlight = new Semaphore(32);
                for (long seq = start + 1; ; seq++) {
                    inFlight.acquireUninterruptibly();
                    long s = seq;
                    store.append(expected(room, s)).whenComplete((v, e) -> {
                        inFlight.release();
                        if (e == null) {
                            synchronized (out) {
                                out.println("A " + room + " " + s);
                                out.flush();
                            }
                        }
                    });
                }
            });
        }
        synchronized (out) {
            out.println("READY");
            out.flush();
        }
        for (Thread t : writers) {
            t.start();
        }
        for (Thread t : writers) {
            t.join();
        }
    }
}
