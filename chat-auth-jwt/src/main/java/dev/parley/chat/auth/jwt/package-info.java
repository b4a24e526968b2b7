/**
 * An {@link dev.parley.chat.spi.Authenticator} of signed tokens (JSON Web Tokens):
 * {@link dev.parley.chat.auth.jwt.JwtAuthenticator}. Parsing and signature checks are
 * nimbus-jose-jwt's; none of its types appears in this package's signatures.
 */
@NullMarked
package dev.parley.chat.auth.jwt;

import org.jspecify.annotations.NullMarked;
