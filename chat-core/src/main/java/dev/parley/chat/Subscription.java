package dev.parley.chat;

/** A registration that ends when closed; closing twice does nothing. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
    /** Ends the registration. Idempotent; never throws. */
    @Override
    void close();
}
