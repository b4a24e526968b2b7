package dev.parley.chat.internal.room;

import dev.parley.chat.Message;
import dev.parley.chat.spi.OutboundFrame;

/** A stored message and its encoded {@code message} push, shared by every member that gets it. */
record Delivery(Message message, OutboundFrame frame) {}
