package dev.parley.chat.examples;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code parley-server token}: mints an HS256 token for a user with the secret the server checks
 * ({@code --auth jwt --jwt-secret-file F}) and prints it. What an application's login service
 * does, for trying the server out; the library itself only verifies tokens.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Prints a signed token (HS256 JWT) for a user, for a server run with --auth jwt --jwt-secret-file.")
final class TokenCommand implements Callable<Integer> {

    @Option(names = "--jwt-secret-file", required = true, description = "the file of the shared secret (at least 32 bytes)")
    Path secretFile;

    @Option(names = "--user", required = true, description = "the user the token is for (its sub)")
    String user;

    @Option(names = "--ttl-seconds", description = "how long the token is valid (default: ${DEFAULT-VALUE})")
    long ttlSeconds = 3600;

    @Option(names = "--issuer", description = "its iss, if the server checks one")
    String issuer;

    @Option(names = "--audience", description = "its aud, if the server checks one")
    String audience;

    @Option(names = "--room", description = "a room for its rooms claim; repeatable")
    List<String> rooms = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        if (ttlSeconds < 1) {
            System.err.println("parley-server token: --ttl-seconds was " + ttlSeconds + " but must be at least 1");
            return 2;
        }
        try {
            System.out.println(mint(readSecret(secretFile), user, Duration.ofSeconds(ttlSeconds), issuer, audience,
                    rooms, Clock.systemUTC()));
        } catch (JOSEException e) {
            System.err.println("parley-server token: " + e.getMessage()); // a secret that is too short, say
            return 2;
        }
        return 0;
    }

    /** An HS256 token of {@code user} valid from now for {@code ttl}. */
    static String mint(byte[] secret, String user, Duration ttl, String issuer, String audience, List<String> rooms,
            Clock clock) throws JOSEException {
        Instant now = clock.instant();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .subject(user)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)));
        if (issuer != null) {
            claims.issuer(issuer);
        }
        if (audience != null) {
            claims.audience(audience);
        }
        if (!rooms.isEmpty()) {
            claims.claim("rooms", List.copyOf(rooms));
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
        jwt.sign(new MACSigner(secret));
        return jwt.serialize();
    }

    /**
     * The secret of a secret file: its bytes without the whitespace around them (an editor's or
     * {@code echo}'s newline), so {@code openssl rand -base64 32 > F} makes a good one.
     */
    static byte[] readSecret(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
    }
}
