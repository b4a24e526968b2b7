package dev.parley.chat.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.spi.Authenticator;
import dev.parley.chat.spi.Credentials;
import dev.parley.chat.spi.Identity;
import java.nio.file.Path;
import java.security.Key;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Authenticator} of signed JSON Web Tokens (RFC 7519), presented in {@code hello}'s
 * {@code token} or at the transport's handshake. A token is accepted when its signature verifies
 * with a configured key (HS256 with a shared secret, or RS256/ES256 with public keys or a JWKS
 * file), it has a {@code sub} and an {@code exp}, {@code exp} and {@code nbf} hold on the clock
 * within the skew, and {@code iss} and {@code aud} are the configured ones when configured. The
 * user is {@code sub}; a {@code user} that {@code hello} names must be the same.
 *
 * <p>The {@link Identity} it answers expires at {@code exp} plus the skew, so the server ends the
 * connection then (with {@code bye TOKEN_EXPIRED}) unless a later {@code hello} brought a fresh
 * token; and it carries the claims named by {@link Builder#exposeClaims} (by default {@code
 * rooms}) for an {@link dev.parley.chat.spi.Authorizer}.
 *
 * <pre>{@code
 * Authenticator jwt = JwtAuthenticator.builder()
 *         .hmacSecret(Files.readAllBytes(Path.of("jwt-secret")))
 *         .issuer("https://login.example.com")
 *         .audience("chat")
 *         .build();
 * }</pre>
 *
 * <p><b>Thread safety.</b> Immutable and thread-safe; {@link #identify} reads nothing remote (a
 * JWKS file is looked at, at most once a second, with one {@code stat}).
 *
 * <p>Tokens are never logged; a refusal is logged at debug with its reason.
 */
public final class JwtAuthenticator implements Authenticator {
    private static final Logger log = LoggerFactory.getLogger(JwtAuthenticator.class);
    private static final int MIN_SECRET_BYTES = 32;
    private static final Duration MAX_SKEW = Duration.ofMinutes(10);
    private static final long JWKS_CHECK_INTERVAL_MILLIS = 1_000;

    private final DefaultJWTProcessor<SecurityContext> processor;
    private final Duration clockSkew;
    private final Set<String> exposedClaims;

    private JwtAuthenticator(Builder b, JWSKeySelector<SecurityContext> keys) {
        this.clockSkew = b.clockSkew;
        this.exposedClaims = Set.copyOf(b.exposedClaims);
        Set<String> required = new HashSet<>(Set.of("sub", "exp"));
        JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
        if (b.issuer != null) {
            exact.issuer(b.issuer);
            required.add("iss");
        }
        Set<String> audiences = b.audience == null ? null : Set.of(b.audience);
        if (b.audience != null) {
            required.add("aud");
        }
        Clock clock = b.clock;
        DefaultJWTClaimsVerifier<SecurityContext> claims =
                new DefaultJWTClaimsVerifier<>(audiences, exact.build(), required, null) {
                    @Override
                    protected Date currentTime() {
                        return Date.from(clock.instant());
                    }
                };
        claims.setMaxClockSkew((int) clockSkew.toSeconds());
        this.processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(keys);
        processor.setJWTClaimsSetVerifier(claims);
    }

    /** A builder; give it exactly one source of keys. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The user of the token: {@code sub}.
     *
     * @throws ChatException with {@link ErrorCode#UNAUTHENTICATED} if there is no token or it is
     *     refused
     */
    @Override
    public String authenticate(Credentials credentials) {
        return identify(credentials).user();
    }

    /**
     * The user of the token ({@code sub}), when it stops being accepted ({@code exp} plus the
     * skew), and its exposed claims.
     *
     * @throws ChatException with {@link ErrorCode#UNAUTHENTICATED} if there is no token or it is
     *     refused
     */
    @Override
    public Identity identify(Credentials credentials) {
        String token = credentials.anyToken();
        if (token == null || token.isEmpty()) {
            throw refused("a signed token is required", "no token");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw refused("the token is not a signed JWT", e.getMessage());
        } catch (BadJOSEException e) {
            throw refused("the token was refused: " + e.getMessage(), e.getMessage());
        } catch (JOSEException e) {
            throw refused("the token could not be verified", e.getMessage());
        }
        String user = claims.getSubject();
        if (credentials.user() != null && !credentials.user().equals(user)) {
            throw refused("the token is not for that user", "hello names another user than sub");
        }
        Instant expiresAt = claims.getExpirationTime().toInstant().plus(clockSkew);
        return new Identity(user, expiresAt, exposed(claims));
    }

    private Map<String, List<String>> exposed(JWTClaimsSet claims) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String name : exposedClaims) {
            Object value = claims.getClaim(name);
            if (value instanceof String s) {
                out.put(name, List.of(s));
            } else if (value instanceof List<?> list) {
                List<String> strings = new ArrayList<>();
                for (Object item : list) {
                    if (item instanceof String s) {
                        strings.add(s);
                    }
                }
                out.put(name, strings);
            } else if (value != null) {
                log.debug("claim {} is neither a string nor a list of strings; not exposed", name);
            }
        }
        return out;
    }

    private static ChatException refused(String toClient, @Nullable String why) {
        log.debug("token refused: {}", why);
        return new ChatException(ErrorCode.UNAUTHENTICATED, toClient);
    }

    /**
     * Options of a {@link JwtAuthenticator}: one source of keys ({@link #hmacSecret}, {@link
     * #publicKey} or {@link #jwksFile}), and the checks.
     */
    public static final class Builder {
        private byte @Nullable [] hmacSecret;
        private final List<PublicKey> publicKeys = new ArrayList<>();
        private @Nullable Path jwksFile;
        private @Nullable String issuer;
        private @Nullable String audience;
        private Duration clockSkew = Duration.ofSeconds(60);
        private Clock clock = Clock.systemUTC();
        private Set<String> exposedClaims = new LinkedHashSet<>(Set.of("rooms"));

        private Builder() {}

        /**
         * Verifies HS256 tokens with this shared secret (copied).
         *
         * @throws IllegalArgumentException if it is shorter than 32 bytes (256 bits, as HS256 needs)
         */
        public Builder hmacSecret(byte[] secret) {
            Objects.requireNonNull(secret, "secret");
            if (secret.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("the HMAC secret was " + secret.length
                        + " bytes but must be at least " + MIN_SECRET_BYTES);
            }
            this.hmacSecret = secret.clone();
            return this;
        }

        /**
         * Also verifies tokens with this public key: RS256 for an RSA key, ES256 for an EC key on
         * P-256. May be called more than once, for keys being rotated.
         *
         * @throws IllegalArgumentException if it is neither, or an EC key on another curve
         */
        public Builder publicKey(PublicKey key) {
            Objects.requireNonNull(key, "key");
            if (key instanceof RSAPublicKey) {
                publicKeys.add(key);
            } else if (key instanceof ECPublicKey ec) {
                Curve curve = Curve.forECParameterSpec(ec.getParams());
                if (!Curve.P_256.equals(curve)) {
                    throw new IllegalArgumentException("an EC key must be on P-256 for ES256 but was on " + curve);
                }
                publicKeys.add(key);
            } else {
                throw new IllegalArgumentException("a public key must be RSA (RS256) or EC (ES256) but was "
                        + key.getAlgorithm());
            }
            return this;
        }

        /**
         * Verifies RS256 and ES256 tokens with the public keys of this JWKS file, read when built
         * and again whenever it changes (looked at once a second at most); a token's {@code kid}
         * picks the key.
         */
        public Builder jwksFile(Path file) {
            this.jwksFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /** Requires {@code iss} to be exactly this; by default {@code iss} is not checked. */
        public Builder issuer(String issuer) {
            this.issuer = requireText(issuer, "issuer");
            return this;
        }

        /** Requires {@code aud} to contain this; by default {@code aud} is not checked. */
        public Builder audience(String audience) {
            this.audience = requireText(audience, "audience");
            return this;
        }

        /**
         * How far the issuer's clock may be from the server's when checking {@code exp} and
         * {@code nbf}, in whole seconds; a token is accepted until {@code exp} plus this.
         * Defaults to 60 s.
         *
         * @throws IllegalArgumentException unless in [0 s, 10 min]
         */
        public Builder clockSkew(Duration skew) {
            Objects.requireNonNull(skew, "skew");
            if (skew.isNegative() || skew.compareTo(MAX_SKEW) > 0) {
                throw new IllegalArgumentException("clockSkew was " + skew + " but must be in [PT0S, " + MAX_SKEW + "]");
            }
            this.clockSkew = Duration.ofSeconds(skew.toSeconds());
            return this;
        }

        /** The clock of {@code exp} and {@code nbf}; use the server's. Defaults to the system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The claims handed to the room policy in {@link Identity#claims()}, each a string or a
         * list of strings in the token; defaults to {@code rooms}. Replaces the earlier choice.
         */
        public Builder exposeClaims(String... names) {
            Set<String> chosen = new LinkedHashSet<>();
            for (String name : Arrays.asList(names)) {
                chosen.add(requireText(name, "claim name"));
            }
            this.exposedClaims = chosen;
            return this;
        }

        /**
         * The authenticator.
         *
         * @throws IllegalStateException unless exactly one source of keys was given
         * @throws IllegalArgumentException if the JWKS file cannot be read
         */
        public JwtAuthenticator build() {
            int sources = (hmacSecret != null ? 1 : 0) + (publicKeys.isEmpty() ? 0 : 1) + (jwksFile != null ? 1 : 0);
            if (sources != 1) {
                throw new IllegalStateException("give exactly one source of keys (hmacSecret, publicKey or jwksFile) but "
                        + sources + " were given");
            }
            JWSKeySelector<SecurityContext> keys;
            if (hmacSecret != null) {
                keys = new JWSVerificationKeySelector<>(JWSAlgorithm.HS256, new ImmutableSecret<>(hmacSecret));
            } else if (jwksFile != null) {
                keys = new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256),
                        new JwksFile(jwksFile, JWKS_CHECK_INTERVAL_MILLIS));
            } else {
                keys = keysFor(List.copyOf(publicKeys));
            }
            return new JwtAuthenticator(this, keys);
        }

        /**
         * Keys given one by one carry no key id, so the token's {@code alg} alone picks them: an
         * RS256 token is tried with every RSA key, an ES256 one with every EC key, and any other
         * algorithm (HS256 above all, whose "secret" would otherwise be a public key) with none.
         */
        private static JWSKeySelector<SecurityContext> keysFor(List<PublicKey> keys) {
            return (header, context) -> {
                List<Key> matching = new ArrayList<>();
                for (PublicKey key : keys) {
                    if ((JWSAlgorithm.RS256.equals(header.getAlgorithm()) && key instanceof RSAPublicKey)
                            || (JWSAlgorithm.ES256.equals(header.getAlgorithm()) && key instanceof ECPublicKey)) {
                        matching.add(key);
                    }
                }
                return matching;
            };
        }

        private static String requireText(String value, String what) {
            Objects.requireNonNull(value, what);
            if (value.isBlank()) {
                throw new IllegalArgumentException(what + " was blank but must have text");
            }
            return value;
        }
    }
}
