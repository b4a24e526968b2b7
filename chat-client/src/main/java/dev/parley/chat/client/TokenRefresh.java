package dev.parley.chat.client;

import dev.parley.chat.protocol.Command;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a welcomed connection's credentials fresh: when a {@code welcome} says its token expires
 * ({@code tokenExpiresInMs}), it sends another {@code hello} with a token from the supplier before
 * then, on the open connection (PROTOCOL §9 "hello"), and does so again for the token that one
 * brings. Without it the server ends the connection with {@code bye TOKEN_EXPIRED}.
 *
 * <p>Confined to the loop.
 */
final class TokenRefresh {
    // Every part of the client logs under ParleyClient: the one name users configure.
    private static final Logger log = LoggerFactory.getLogger(ParleyClient.class);
    /** Refresh this long before expiry at most: ample for a round trip, short against a long token. */
    private static final long MAX_LEAD_MS = 30_000;
    /** Below this a refresh cannot be in time; the server ends the connection and the client reconnects. */
    private static final long MIN_USEFUL_MS = 100;

    private final String name;
    private final ConnectionState connection;
    private final ClientThreads threads;
    private final AwaitedReplies replies;
    private final ConnectionLifecycle.Hello hello;
    /** The ref of the refreshing hello awaiting its welcome, or 0. */
    private long pendingRef;

    TokenRefresh(String name, ConnectionState connection, ClientThreads threads, AwaitedReplies replies,
            ConnectionLifecycle.Hello hello) {
        this.name = name;
        this.connection = connection;
        this.threads = threads;
        this.replies = replies;
        this.hello = hello;
    }

    /**
     * A {@code welcome} of connection {@code gen} arrived; plans the next refresh if its token
     * expires.
     *
     * @param tokenExpiresInMs from the welcome, negative if the token does not expire
     */
    void welcomed(long gen, long tokenExpiresInMs) {
        pendingRef = 0;
        if (tokenExpiresInMs < 0 || hello.token() == null) {
            return;
        }
        if (tokenExpiresInMs < MIN_USEFUL_MS) {
            log.info("{}: the token expires in {} ms, too soon to refresh it", name, tokenExpiresInMs);
            return;
        }
        // Half the lifetime for a short token, so a slow round trip still arrives in time.
        long delayMs = tokenExpiresInMs - Math.min(tokenExpiresInMs / 2, MAX_LEAD_MS);
        threads.schedule(TimeUnit.MILLISECONDS.toNanos(delayMs), () -> refresh(gen));
    }

    /** Whether {@code ref} is that of the refreshing hello, whose welcome this part handles. */
    boolean isRefreshReply(long ref) {
        return pendingRef != 0 && ref == pendingRef;
    }

    private void refresh(long gen) {
        if (gen != connection.generation() || connection.current() == null || connection.isClosed()
                || !connection.isWelcomed()) {
            return; // that connection is gone; the next one says hello with a fresh token anyway
        }
        java.util.function.Supplier<@Nullable String> supplier = hello.token();
        @Nullable String token;
        try {
            token = supplier == null ? null : supplier.get();
        } catch (RuntimeException e) {
            log.warn("{}: the token supplier failed; the connection will end when its token expires", name, e);
            return;
        }
        pendingRef = replies.newRef();
        log.debug("{}: refreshing the token in a new hello", name);
        connection.send(new Command.Hello(AwaitedReplies.wire(pendingRef), hello.user(), token, hello.clientName()));
    }
}
