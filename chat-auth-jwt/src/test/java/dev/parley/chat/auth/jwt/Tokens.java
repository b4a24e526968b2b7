package dev.parley.chat.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.function.UnaryOperator;

/** Tokens for tests, made with nimbus-jose-jwt as an issuer would. */
final class Tokens {
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef-test".getBytes(StandardCharsets.UTF_8);
    static final byte[] OTHER_SECRET = "another-secret-of-at-least-thirty-two-bytes".getBytes(StandardCharsets.UTF_8);

    private Tokens() {}

    /** Claims of {@code user} expiring at {@code exp}, changed by {@code more}. */
    static JWTClaimsSet claims(String user, Instant exp, UnaryOperator<JWTClaimsSet.Builder> more) {
        return more.apply(new JWTClaimsSet.Builder().subject(user).expirationTime(Date.from(exp))).build();
    }

    static String hs256(byte[] secret, JWTClaimsSet claims) {
        return sign(JWSAlgorithm.HS256, null, claims, macSigner(secret));
    }

    static String rs256(RSAKey key, JWTClaimsSet claims) {
        try {
            return sign(JWSAlgorithm.RS256, key.getKeyID(), claims, new RSASSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String es256(ECKey key, JWTClaimsSet claims) {
        try {
            return sign(JWSAlgorithm.ES256, key.getKeyID(), claims, new ECDSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static RSAKey rsaKey(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static ECKey ecKey(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JWSSigner macSigner(byte[] secret) {
        try {
            return new MACSigner(secret);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sign(JWSAlgorithm alg, String kid, JWTClaimsSet claims, JWSSigner signer) {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }
}
