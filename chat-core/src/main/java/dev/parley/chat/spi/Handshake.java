package dev.parley.chat.spi;

import org.jspecify.annotations.Nullable;

/**
 * What a transport learned about a connection when it was opened.
 *
 * @param remoteAddress the peer's address for logs, such as {@code "127.0.0.1:50122"}
 * @param token a credential presented at the handshake ({@code Authorization: Bearer}, a
 *     {@code token} query parameter or cookie), or null
 */
public record Handshake(String remoteAddress, @Nullable String token) {}
