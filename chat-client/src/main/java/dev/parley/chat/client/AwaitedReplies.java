package dev.parley.chat.client;

import dev.parley.chat.protocol.Ref;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The commands sent on the current connection whose reply is awaited, by the ref they went out
 * with. Refs are positive and never reused by one client, so a late reply to a command of an
 * earlier connection matches nothing.
 *
 * <p>Confined to the loop.
 */
final class AwaitedReplies {
    private long nextRef = 1;
    private final Map<Long, Pending> byRef = new HashMap<>();

    /** A fresh ref for a command whose reply is matched elsewhere (the hello). */
    long newRef() {
        return nextRef++;
    }

    /** Awaits the reply to {@code pending} under a fresh ref, which it returns. */
    long await(Pending pending) {
        long ref = nextRef++;
        byRef.put(ref, pending);
        return ref;
    }

    /** The command that {@code ref} answers, no longer awaited; null if none awaits it. */
    @Nullable Pending take(long ref) {
        return byRef.remove(ref);
    }

    /** Everything awaited, no longer awaited: its connection is gone. */
    List<Pending> takeAll() {
        List<Pending> all = new ArrayList<>(byRef.values());
        byRef.clear();
        return all;
    }

    /** A ref as the protocol writes it. */
    static Ref wire(long ref) {
        return new Ref(Long.toString(ref));
    }
}
