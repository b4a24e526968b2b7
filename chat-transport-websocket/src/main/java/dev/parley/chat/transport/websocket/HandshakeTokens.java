package dev.parley.chat.transport.websocket;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Finds the credential a client presented in its WebSocket handshake, for {@code
 * Handshake.token()}: an {@code Authorization: Bearer} header, else a {@code token} query
 * parameter, else a {@code parley_token} cookie. The header wins because it never lands in access
 * logs the way a query string does; the query parameter exists because browsers cannot set headers
 * on a WebSocket.
 */
final class HandshakeTokens {
    static final String COOKIE_NAME = "parley_token";
    static final String QUERY_PARAMETER = "token";

    private HandshakeTokens() {}

    /**
     * The token of a handshake, or null.
     *
     * @param authorization the {@code Authorization} header, or empty
     * @param resource the request target, such as {@code /ws?token=abc}
     * @param cookie the {@code Cookie} header, or empty
     */
    static @Nullable String find(String authorization, String resource, String cookie) {
        String token = bearer(authorization);
        if (token == null) {
            token = queryParameter(resource, QUERY_PARAMETER);
        }
        if (token == null) {
            token = cookie(cookie, COOKIE_NAME);
        }
        return token;
    }

    /** The path of a request target, without its query. */
    static String path(String resource) {
        int q = resource.indexOf('?');
        return q < 0 ? resource : resource.substring(0, q);
    }

    static @Nullable String bearer(String authorization) {
        String value = authorization.strip();
        String scheme = "Bearer ";
        if (value.length() > scheme.length() && value.regionMatches(true, 0, scheme, 0, scheme.length())) {
            return nonEmpty(value.substring(scheme.length()).strip());
        }
        return null;
    }

    static @Nullable String queryParameter(String resource, String name) {
        int q = resource.indexOf('?');
        if (q < 0) {
            return null;
        }
        int end = resource.indexOf('#', q);
        String query = resource.substring(q + 1, end < 0 ? resource.length() : end);
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name) && eq >= 0) {
                try {
                    return nonEmpty(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException malformed) {
                    // A malformed escape is not a credential; the authenticator then sees none.
                    return null;
                }
            }
        }
        return null;
    }

    static @Nullable String cookie(String header, String name) {
        for (String part : header.split(";")) {
            String crumb = part.strip();
            int eq = crumb.indexOf('=');
            if (eq > 0 && crumb.substring(0, eq).strip().equals(name)) {
                String value = crumb.substring(eq + 1).strip();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                return nonEmpty(value);
            }
        }
        return null;
    }

    private static @Nullable String nonEmpty(String s) {
        return s.isEmpty() ? null : s;
    }
}
