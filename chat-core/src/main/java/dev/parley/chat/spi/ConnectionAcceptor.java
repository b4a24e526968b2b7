package dev.parley.chat.spi;

import java.time.Duration;

/** What a {@link Transport} hands each new connection to: the engine. */
@FunctionalInterface
public interface ConnectionAcceptor {

    /**
     * Takes a newly opened connection and returns the handler of its inbound events. Quick and
     * non-blocking; called on a transport thread.
     */
    ConnectionHandler accept(Connection connection);

    /**
     * The largest inbound frame, in bytes (of a fragmented message, after reassembly), that the
     * acceptor takes: a transport closes a connection that sends a larger one with 1009. The
     * engine answers {@code ChatServer.Builder.maxFrameBytes}, the value {@code welcome}
     * advertises, so that it is set in one place. Default 65 536.
     */
    default int maxFrameBytes() {
        return 65_536;
    }

    /**
     * How often a transport should ping each connection, and so how soon it notices a dead peer.
     * The engine answers {@code ChatServer.Builder.heartbeat}, the {@code heartbeatMs} that
     * {@code welcome} advertises, so that it is set in one place. Default 25 s.
     */
    default Duration heartbeat() {
        return Duration.ofSeconds(25);
    }
}
