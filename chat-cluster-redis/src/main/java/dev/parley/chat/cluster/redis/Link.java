package dev.parley.chat.cluster.redis;

import dev.parley.chat.StoreException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The command connection shared by a {@link RedisCluster}'s parts: scripts by EVALSHA with an EVAL
 * fallback, results handed to the callback thread, and every Redis failure turned into a {@link
 * StoreException}.
 */
final class Link {
    /** One Lua script of this package, loaded from its resource. */
    enum Script {
        APPEND("append.lua"), CREATE("create.lua"), READ_MARKER("read-marker.lua"), PRESENCE("presence.lua");

        final byte[] source;
        final String sha;

        Script(String resource) {
            try (InputStream in = Link.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("missing script resource " + resource);
                }
                source = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            sha = sha1(source);
        }
    }

    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final RedisAsyncCommands<byte[], byte[]> commands;
    private final Executor callbacks;
    private final Duration commandTimeout;
    private final String where;

    Link(StatefulRedisConnection<byte[], byte[]> connection, Executor callbacks, Duration commandTimeout, String where) {
        this.connection = connection;
        this.commands = connection.async();
        this.callbacks = callbacks;
        this.commandTimeout = commandTimeout;
        this.where = where;
    }

    RedisAsyncCommands<byte[], byte[]> commands() {
        return commands;
    }

    String where() {
        return where;
    }

    /** Loads every script once, so that EVALSHA finds them; a restarted Redis is served by the fallback. */
    void loadScripts() {
        for (Script s : Script.values()) {
            await(commands.scriptLoad(s.source), "load script " + s);
        }
    }

    /**
     * Runs a script; its result arrives on the callback thread. Results of one caller's scripts
     * arrive in the order they were called, because one connection answers in order and the callback
     * thread is one thread. Only when Redis lost its script cache (a restart without it, SCRIPT
     * FLUSH) is a script sent again by EVAL, after the ones pipelined behind it.
     */
    <T> CompletableFuture<T> script(Script script, byte[][] keys, byte[]... args) {
        CompletableFuture<T> out = new CompletableFuture<>();
        CompletionStage<T> sent;
        try {
            sent = commands.<T>evalsha(script.sha, ScriptOutputType.MULTI, keys, args);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(failure("run " + script, e));
        }
        sent.whenComplete((result, error) -> {
            if (error != null && unwrap(error) instanceof RedisNoScriptException) {
                commands.<T>eval(script.source, ScriptOutputType.MULTI, keys, args)
                        .whenComplete((again, error2) -> deliver(out, again, error2, script));
            } else {
                deliver(out, result, error, script);
            }
        });
        return out;
    }

    /** Completes {@code out} on the callback thread, which keeps the order and frees Netty's. */
    <T> void deliver(CompletableFuture<T> out, T result, Throwable error, Object what) {
        callbacks.execute(() -> {
            if (error == null) {
                out.complete(result);
            } else {
                out.completeExceptionally(failure("run " + what, error));
            }
        });
    }

    /** Waits for a command (never on a Netty thread), turning any failure into a StoreException. */
    <T> T await(CompletionStage<T> command, String what) {
        try {
            // Lettuce times the command out itself; this bound only guards against a lost future.
            return command.toCompletableFuture().get(commandTimeout.toMillis() * 2 + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while Redis at " + where + " was asked to " + what, e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw failure(what, e);
        }
    }

    StoreException failure(String what, Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof StoreException) {
            return (StoreException) cause;
        }
        return new StoreException("Redis at " + where + " could not " + what + ": " + cause, cause);
    }

    static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    void close() {
        connection.close();
    }

    private static String sha1(byte[] source) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-1").digest(source);
            StringBuilder hex = new StringBuilder(40);
            for (byte b : d) {
                hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            return hex.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-1 in this JVM", e);
        }
    }
}
