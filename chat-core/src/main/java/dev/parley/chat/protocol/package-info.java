/**
 * The frames of the wire protocol (PROTOCOL.md) and their codec: {@link
 * dev.parley.chat.protocol.CommandDecoder} and {@link dev.parley.chat.protocol.ServerFrames} on
 * the server, {@link dev.parley.chat.protocol.CommandEncoder} and {@link
 * dev.parley.chat.protocol.ServerFrameReader} (to {@link dev.parley.chat.protocol.ServerFrame}) for
 * clients.
 */
@NullMarked
package dev.parley.chat.protocol;

import org.jspecify.annotations.NullMarked;
