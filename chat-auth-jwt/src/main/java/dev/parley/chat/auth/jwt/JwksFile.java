package dev.parley.chat.auth.jwt;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.text.ParseException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public keys of a JWKS file (RFC 7517 JSON), read again when the file changes, so keys can
 * be rotated without a restart. The file is looked at (one {@code stat}) at most once per check
 * interval, on the thread that verifies a token; a file that cannot be read or parsed keeps the
 * keys read before, with a warning.
 */
final class JwksFile implements JWKSource<SecurityContext> {
    private static final Logger log = LoggerFactory.getLogger(JwtAuthenticator.class);

    private final Path file;
    private final long checkIntervalNanos;
    private final Object lock = new Object();
    private volatile JWKSet keys;
    private @Nullable Version version; // guarded by lock
    private long lastCheckNanos; // guarded by lock

    /** What tells one content of the file from the next without reading it. */
    private record Version(Object modified, long size, @Nullable Object fileKey) {}

    /**
     * Reads the file now.
     *
     * @throws IllegalArgumentException if it cannot be read or is not a JWK set
     */
    JwksFile(Path file, long checkIntervalMillis) {
        this.file = Objects.requireNonNull(file, "file");
        this.checkIntervalNanos = TimeUnit.MILLISECONDS.toNanos(checkIntervalMillis);
        try {
            this.version = version();
            this.keys = read();
        } catch (IOException | ParseException e) {
            throw new IllegalArgumentException("cannot read the JWKS file " + file + ": " + e.getMessage(), e);
        }
        this.lastCheckNanos = System.nanoTime();
    }

    @Override
    public List<JWK> get(JWKSelector selector, @Nullable SecurityContext context) throws KeySourceException {
        reloadIfChanged();
        return selector.select(keys);
    }

    private void reloadIfChanged() {
        synchronized (lock) {
            long now = System.nanoTime();
            if (now - lastCheckNanos < checkIntervalNanos) {
                return;
            }
            lastCheckNanos = now;
            try {
                Version current = version();
                if (current.equals(version)) {
                    return;
                }
                keys = read();
                version = current;
                log.info("reloaded the JWKS file {}: {} keys", file, keys.getKeys().size());
            } catch (IOException | ParseException e) {
                log.warn("cannot reload the JWKS file {} ({}); keeping the keys read before", file, e.getMessage());
            }
        }
    }

    private Version version() throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return new Version(a.lastModifiedTime(), a.size(), a.fileKey());
    }

    private JWKSet read() throws IOException, ParseException {
        // Only public keys count: a private or secret key in the file is never used.
        return JWKSet.parse(Files.readString(file, StandardCharsets.UTF_8)).toPublicJWKSet();
    }
}
