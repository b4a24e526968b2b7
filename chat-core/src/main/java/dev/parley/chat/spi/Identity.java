package dev.parley.chat.spi;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Who a connection's credentials say its user is, until when they hold, and what else they claim
 * that a room policy may use: what an {@link Authenticator} answers, and what an {@link
 * Authorizer} may look at.
 *
 * @param user the authenticated user name
 * @param expiresAt the instant from which the credentials are no longer accepted, or null if they
 *     do not expire; the server ends the connection then (PROTOCOL §9 "Liveness and closing")
 *     unless a later {@code hello} brought fresh ones
 * @param claims other facts the credentials state, by name, each as a list of strings (a signed
 *     token's {@code rooms} or {@code roles}, say); copied, empty when there are none
 */
public record Identity(String user, @Nullable Instant expiresAt, Map<String, List<String>> claims) {

    /** Checks the fields and copies the claims. */
    public Identity {
        Objects.requireNonNull(user, "user");
        claims = copy(claims);
    }

    /** The identity of credentials that never expire and claim nothing but the user. */
    public static Identity of(String user) {
        return new Identity(user, null, Map.of());
    }

    /** The values of one claim, or an empty list if the credentials do not state it. */
    public List<String> claim(String name) {
        return claims.getOrDefault(name, List.of());
    }

    private static Map<String, List<String>> copy(Map<String, List<String>> claims) {
        Objects.requireNonNull(claims, "claims");
        Map<String, List<String>> copied = new java.util.LinkedHashMap<>();
        claims.forEach((name, values) -> copied.put(name, List.copyOf(values)));
        return java.util.Collections.unmodifiableMap(copied);
    }
}
