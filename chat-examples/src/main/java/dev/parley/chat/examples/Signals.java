package dev.parley.chat.examples;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT as a graceful shutdown that exits 0 (PROTOCOL §9): the JVM's own handling
 * would run the shutdown hooks but exit 143.
 */
final class Signals {
    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    static void onTermination(Runnable shutdown) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    log.info("SIG{}: shutting down", name);
                    shutdown.run();
                    System.exit(0);
                });
            } catch (IllegalArgumentException e) {
                log.debug("cannot handle SIG{} here; the shutdown hook will do", name);
            }
        }
    }
}
