package dev.parley.chat.auth.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.parley.chat.ChatException;
import dev.parley.chat.ErrorCode;
import dev.parley.chat.spi.Credentials;
import dev.parley.chat.spi.Handshake;
import dev.parley.chat.spi.Identity;
import dev.parley.chat.testkit.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class JwtAuthenticatorTest {
    private final MutableClock clock = new MutableClock();
    private final Instant now = clock.instant();

    @TempDir
    Path dir;

    private JwtAuthenticator.Builder hmac() {
        return JwtAuthenticator.builder().hmacSecret(Tokens.SECRET).clock(clock)
                .clockSkew(Duration.ofSeconds(5)).issuer("https://login.example").audience("chat");
    }

    private static JWTClaimsSet good(String user, Instant exp) {
        return Tokens.claims(user, exp, b -> b.issuer("https://login.example").audience("chat"));
    }

    private static JWTClaimsSet good(String user, Instant exp, UnaryOperator<JWTClaimsSet.Builder> more) {
        return Tokens.claims(user, exp, b -> more.apply(b.issuer("https://login.example").audience("chat")));
    }

    private static Credentials hello(String token) {
        return new Credentials(null, token, new Handshake("test", null));
    }

    private static void assertRefused(JwtAuthenticator auth, Credentials credentials) {
        assertThatThrownBy(() -> auth.identify(credentials))
                .isInstanceOfSatisfying(ChatException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
    }

    @Test
    void goodHs256Token_isItsSub_expiringAtExpPlusSkew_withTheRoomsClaim() {
        Instant exp = now.plusSeconds(60);
        String token = Tokens.hs256(Tokens.SECRET, good("alice", exp, b -> b.claim("rooms", List.of("team-a", "team-b"))));

        Identity id = hmac().build().identify(hello(token));

        assertThat(id.user()).isEqualTo("alice");
        assertThat(id.expiresAt()).isEqualTo(exp.plusSeconds(5));
        assertThat(id.claim("rooms")).containsExactly("team-a", "team-b");
        assertThat(hmac().build().authenticate(hello(token))).isEqualTo("alice");
    }

    @Test
    void handshakeToken_authenticatesToo() {
        String token = Tokens.hs256(Tokens.SECRET, good("alice", now.plusSeconds(60)));
        assertThat(hmac().build().identify(new Credentials(null, null, new Handshake("test", token))).user())
                .isEqualTo("alice");
    }

    @Test
    void expiredToken_isRefused_butWithinTheSkewAccepted() {
        JwtAuthenticator auth = hmac().build();
        assertRefused(auth, hello(Tokens.hs256(Tokens.SECRET, good("alice", now.minusSeconds(10)))));
        assertThat(auth.identify(hello(Tokens.hs256(Tokens.SECRET, good("alice", now.minusSeconds(2))))).user())
                .isEqualTo("alice");
    }

    @Test
    void tokenNotYetValid_isRefused_butWithinTheSkewAccepted() {
        JwtAuthenticator auth = hmac().build();
        Instant exp = now.plusSeconds(600);
        assertRefused(auth, hello(Tokens.hs256(Tokens.SECRET, good("alice", exp, b -> b.notBeforeTime(Date.from(now.plusSeconds(30)))))));
        assertThat(auth.identify(hello(Tokens.hs256(Tokens.SECRET,
                good("alice", exp, b -> b.notBeforeTime(Date.from(now.plusSeconds(2))))))).user()).isEqualTo("alice");
    }

    @Test
    void theClockDecides_aTokenGoodNowIsRefusedOnceTheClockPassedExpPlusSkew() {
        JwtAuthenticator auth = hmac().build();
        String token = Tokens.hs256(Tokens.SECRET, good("alice", now.plusSeconds(10)));
        assertThat(auth.identify(hello(token)).user()).isEqualTo("alice");
        clock.advance(Duration.ofSeconds(16));
        assertRefused(auth, hello(token));
    }

    @Test
    void wronglySignedForgedUnsignedOrGarbage_isRefused() {
        JwtAuthenticator auth = hmac().build();
        JWTClaimsSet claims = good("alice", now.plusSeconds(60));
        assertRefused(auth, hello(Tokens.hs256(Tokens.OTHER_SECRET, claims)));

        String real = Tokens.hs256(Tokens.SECRET, claims);
        String[] parts = real.split("\\.");
        String forgedPayload = Base64URL.encode(good("mallory", now.plusSeconds(60)).toString()).toString();
        assertRefused(auth, hello(parts[0] + "." + forgedPayload + "." + parts[2]));

        String none = Base64URL.encode("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".";
        assertRefused(auth, hello(none));
        assertRefused(auth, hello("not-a-jwt"));
        assertRefused(auth, hello(""));
        assertRefused(auth, new Credentials("alice", null, new Handshake("test", null)));
    }

    @Test
    void anotherIssuerOrAudience_orNone_isRefused() {
        JwtAuthenticator auth = hmac().build();
        Instant exp = now.plusSeconds(60);
        assertRefused(auth, hello(Tokens.hs256(Tokens.SECRET, Tokens.claims("alice", exp, b -> b.issuer("https://evil.example").audience("chat")))));
        assertRefused(auth, hello(Tokens.hs256(Tokens.SECRET, Tokens.claims("alice", exp, b -> b.issuer("https://login.example").audience("other")))));
        assertRefused(auth, hello(Tokens.hs256(Tokens.SECRET, Tokens.claims("alice", exp, b -> b.audience("chat")))));
        assertRefused(auth, hello(Tokens.hs256(Tokens.SECRET, Tokens.claims("alice", exp, b -> b.issuer("https://login.example")))));
    }

    @Test
    void tokenWithoutSubOrExp_isRefused() {
        JwtAuthenticator auth = hmac().build();
        assertRefused(auth, hello(Tokens.hs256(Tokens.SECRET, new JWTClaimsSet.Builder().issuer("https://login.example")
                .audience("chat").expirationTime(Date.from(now.plusSeconds(60))).build())));
        assertRefused(auth, hello(Tokens.hs256(Tokens.SECRET, new JWTClaimsSet.Builder().issuer("https://login.example")
                .audience("chat").subject("alice").build())));
    }

    @Test
    void helloNamingAnotherUserThanSub_isRefused_theSameUserAccepted() {
        JwtAuthenticator auth = hmac().build();
        String token = Tokens.hs256(Tokens.SECRET, good("alice", now.plusSeconds(60)));
        assertRefused(auth, new Credentials("bob", token, new Handshake("test", null)));
        assertThat(auth.identify(new Credentials("alice", token, new Handshake("test", null))).user()).isEqualTo("alice");
    }

    @Test
    void rs256AndEs256PublicKeys_verifyTheirTokens_butNotAnotherKeysOrAnHs256One() throws Exception {
        RSAKey rsa = Tokens.rsaKey("r1");
        ECKey ec = Tokens.ecKey("e1");
        JwtAuthenticator auth = JwtAuthenticator.builder().clock(clock)
                .publicKey(rsa.toRSAPublicKey()).publicKey(ec.toECPublicKey()).build();
        JWTClaimsSet claims = Tokens.claims("alice", now.plusSeconds(60), b -> b);

        assertThat(auth.identify(hello(Tokens.rs256(rsa, claims))).user()).isEqualTo("alice");
        assertThat(auth.identify(hello(Tokens.es256(ec, claims))).user()).isEqualTo("alice");
        assertRefused(auth, hello(Tokens.rs256(Tokens.rsaKey("r1"), claims)));
        assertRefused(auth, hello(Tokens.es256(Tokens.ecKey("e1"), claims)));
        assertRefused(auth, hello(Tokens.hs256(Tokens.SECRET, claims)));
    }

    @Test
    void jwksFile_isReloadedWhenItChanges_soARotatedKeyIsAccepted() throws Exception {
        RSAKey first = Tokens.rsaKey("k1");
        RSAKey second = Tokens.rsaKey("k2");
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(jwks, new JWKSet(first).toString()); // toString() holds the public parts only
        JwtAuthenticator auth = JwtAuthenticator.builder().clock(clock).jwksFile(jwks).build();
        JWTClaimsSet claims = Tokens.claims("alice", now.plusSeconds(60), b -> b);
        assertThat(auth.identify(hello(Tokens.rs256(first, claims))).user()).isEqualTo("alice");
        assertRefused(auth, hello(Tokens.rs256(second, claims)));

        Path next = dir.resolve("jwks.json.new");
        Files.writeString(next, new JWKSet(second).toString());
        Files.move(next, jwks, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        String rotated = Tokens.rs256(second, claims);
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> auth.identify(hello(rotated)).user().equals("alice"));
        assertRefused(auth, hello(Tokens.rs256(first, claims)));
    }

    @Test
    void jwksFileThatBecomesUnreadable_keepsTheKeysReadBefore() throws Exception {
        RSAKey key = Tokens.rsaKey("k1");
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(jwks, new JWKSet(key).toString());
        JwtAuthenticator auth = JwtAuthenticator.builder().clock(clock).jwksFile(jwks).build();
        Files.writeString(jwks, "{ not json");
        String token = Tokens.rs256(key, Tokens.claims("alice", now.plusSeconds(60), b -> b));
        // Across more than one check interval, the old key keeps working.
        long until = System.nanoTime() + Duration.ofMillis(2_500).toNanos();
        while (System.nanoTime() < until) {
            assertThat(auth.identify(hello(token)).user()).isEqualTo("alice");
        }
    }

    @Test
    void builder_refusesBadValues_withTheValueAndTheRange() {
        assertThatThrownBy(() -> JwtAuthenticator.builder().hmacSecret(new byte[31]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("31").hasMessageContaining("32");
        assertThatThrownBy(() -> JwtAuthenticator.builder().clockSkew(Duration.ofMinutes(11)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT11M");
        assertThatThrownBy(() -> JwtAuthenticator.builder().clockSkew(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JwtAuthenticator.builder().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("0 were given");
        assertThatThrownBy(() -> JwtAuthenticator.builder().hmacSecret(Tokens.SECRET)
                .publicKey(Tokens.rsaKey("r").toRSAPublicKey()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("2 were given");
        assertThatThrownBy(() -> JwtAuthenticator.builder().jwksFile(dir.resolve("missing.json")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.json");
        assertThatThrownBy(() -> JwtAuthenticator.builder().issuer(" "))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
