/**
 * What adapters implement: {@link dev.parley.chat.spi.Transport} and {@link
 * dev.parley.chat.spi.Connection} to carry frames, {@link dev.parley.chat.spi.MessageStore} and
 * {@link dev.parley.chat.spi.Sequencer} to keep and order room logs, {@link
 * dev.parley.chat.spi.Presence}, {@link dev.parley.chat.spi.Authenticator} and {@link
 * dev.parley.chat.spi.Authorizer}. The contract tests of {@code chat-testkit} check an
 * implementation.
 */
@NullMarked
package dev.parley.chat.spi;

import org.jspecify.annotations.NullMarked;
