package dev.parley.chat.spi;

/** What a {@link Transport} hands each new connection to: the engine. */
@FunctionalInterface
public interface ConnectionAcceptor {

    /**
     * Takes a newly opened connection and returns the handler of its inbound events. Quick and
     * non-blocking; called on a transport thread.
     */
    ConnectionHandler accept(Connection connection);
}
