/**
 * Parley's API: {@link dev.parley.chat.ChatServer} and its builder, the server-side {@link
 * dev.parley.chat.Room} handle, the model ({@link dev.parley.chat.Message}, {@link
 * dev.parley.chat.Member}) and the hooks of {@link dev.parley.chat.ChatListener}.
 */
@NullMarked
package dev.parley.chat;

import org.jspecify.annotations.NullMarked;
