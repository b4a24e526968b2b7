package dev.parley.chat.spi;

import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Decides who a connection's user is, from its {@code hello} and handshake (PROTOCOL §3, §9
 * "hello").
 *
 * <p>Every {@code hello} of a connection is authenticated, the first and each later one that
 * refreshes the credentials on the open connection.
 *
 * <p><b>Thread safety.</b> Called concurrently for different connections, on transport threads:
 * it must be quick and must not block on remote calls.
 *
 * <p><b>Lifecycle.</b> Lives as long as the server built with it.
 */
@FunctionalInterface
public interface Authenticator {

    /**
     * Returns the authenticated user name for these credentials.
     *
     * @throws ChatException with {@link ErrorCode#UNAUTHENTICATED} to refuse them
     */
    String authenticate(Credentials credentials);

    /**
     * Returns the identity these credentials prove: the user, until when the credentials hold, and
     * the claims a room policy may use. The server calls this one; the default wraps {@link
     * #authenticate} in credentials that never expire. An authenticator of expiring credentials
     * (signed tokens) overrides it, so that the server can end a connection whose credentials ran
     * out and no later {@code hello} renewed.
     *
     * @throws ChatException with {@link ErrorCode#UNAUTHENTICATED} to refuse them
     */
    default Identity identify(Credentials credentials) {
        return Identity.of(authenticate(credentials));
    }

    /**
     * Trusts the {@code user} that {@code hello} names, with no proof: for development and tests
     * only. Logs a warning when made.
     */
    static Authenticator trustingUserNames() {
        LoggerFactory.getLogger(Authenticator.class)
                .warn("Authenticator.trustingUserNames(): any client may claim any user name; do not use in production");
        return credentials -> {
            String user = credentials.user();
            if (user == null) {
                throw new ChatException(ErrorCode.UNAUTHENTICATED, "hello must name a user");
            }
            return user;
        };
    }

    /**
     * Accepts only the given tokens, each standing for its user; a {@code user} in {@code hello},
     * if any, must be the token's user.
     *
     * @param usersByToken token → user name; copied
     */
    static Authenticator staticTokens(Map<String, String> usersByToken) {
        Map<String, String> tokens = Map.copyOf(usersByToken);
        return credentials -> {
            String token = credentials.anyToken();
            String user = token == null ? null : tokens.get(token);
            if (user == null) {
                throw new ChatException(ErrorCode.UNAUTHENTICATED, "missing or unknown token");
            }
            if (credentials.user() != null && !credentials.user().equals(user)) {
                throw new ChatException(ErrorCode.UNAUTHENTICATED, "the token is not for that user");
            }
            return user;
        };
    }
}
