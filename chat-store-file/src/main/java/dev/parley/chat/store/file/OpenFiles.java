package dev.parley.chat.store.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's open files, at most {@code cap} beyond those in use at the moment, least recently
 * used closed first. A file is closed only when nobody holds it, so a reader never finds its
 * channel closed under it.
 */
final class OpenFiles implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpenFiles.class);

    /** An open file held by a caller until {@link #close()}. */
    final class Handle implements AutoCloseable {
        final Path path;
        final FileChannel channel;
        private int holders;
        private boolean dropped;

        private Handle(Path path, FileChannel channel) {
            this.path = path;
            this.channel = channel;
        }

        @Override
        public void close() {
            release(this);
        }
    }

    private final int cap;
    private final Map<Path, Handle> open = new LinkedHashMap<>(64, 0.75f, true);
    private boolean closed;

    OpenFiles(int cap) {
        this.cap = cap;
    }

    /** The file at {@code path}, opened for reading and writing; it must exist. */
    Handle acquire(Path path) throws IOException {
        List<Handle> toClose;
        Handle h;
        synchronized (this) {
            if (closed) {
                throw new IOException("the store's files are closed");
            }
            h = open.get(path);
            if (h == null) {
                h = new Handle(path, FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE));
                open.put(path, h);
            }
            h.holders++;
            toClose = evictOverCap();
        }
        closeAll(toClose);
        return h;
    }

    /** Forgets the file (it is being deleted); it closes once its holders release it. */
    void drop(Path path) {
        Handle h;
        synchronized (this) {
            h = open.remove(path);
            if (h == null) {
                return;
            }
            h.dropped = true;
            if (h.holders > 0) {
                return;
            }
        }
        closeQuietly(h);
    }

    synchronized int openCount() {
        return open.size();
    }

    private void release(Handle h) {
        boolean close;
        synchronized (this) {
            h.holders--;
            close = h.holders == 0 && h.dropped;
        }
        if (close) {
            closeQuietly(h);
        }
        List<Handle> toClose;
        synchronized (this) {
            toClose = evictOverCap();
        }
        closeAll(toClose);
    }

    private List<Handle> evictOverCap() {
        List<Handle> out = List.of();
        Iterator<Handle> it = open.values().iterator();
        int excess = open.size() - cap;
        while (excess > 0 && it.hasNext()) {
            Handle h = it.next();
            if (h.holders == 0) {
                it.remove();
                h.dropped = true;
                if (out.isEmpty()) {
                    out = new ArrayList<>();
                }
                out.add(h);
                excess--;
            }
        }
        return out;
    }

    private static void closeAll(List<Handle> handles) {
        for (Handle h : handles) {
            closeQuietly(h);
        }
    }

    private static void closeQuietly(Handle h) {
        try {
            h.channel.close();
        } catch (IOException e) {
            log.warn("closing {} failed", h.path, e);
        }
    }

    @Override
    public void close() {
        List<Handle> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(open.values());
            open.clear();
        }
        closeAll(all);
    }
}
