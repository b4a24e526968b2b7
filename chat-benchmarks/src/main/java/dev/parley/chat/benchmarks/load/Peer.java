package dev.parley.chat.benchmarks.load;

import java.util.Locale;
import picocli.CommandLine;

/**
 * The servers the load programs measure side by side: Parley on the in-memory store and on the
 * file store (its default durability, {@code FSYNC} through the journal), the raw Java-WebSocket
 * broadcast server ({@link RawBroadcastServer}) and Bun's {@code server.publish}
 * ({@code bun/broadcast-server.js}, run only where a {@code bun} binary is found: {@link Servers}).
 */
enum Peer {
    PARLEY("parley", Flavor.PARLEY),
    PARLEY_FILE("parley-file", Flavor.PARLEY),
    RAW("raw", Flavor.RAW),
    BUN("bun", Flavor.RAW);

    private final String label;
    private final Flavor flavor;

    Peer(String label, Flavor flavor) {
        this.label = label;
        this.flavor = flavor;
    }

    /** The name on the command line and in the tables. */
    String label() {
        return label;
    }

    /** What a client says to this server. */
    Flavor flavor() {
        return flavor;
    }

    /** Whether this is a Parley server (a JVM with Parley's protocol). */
    boolean parley() {
        return flavor == Flavor.PARLEY;
    }

    /** Parses {@code parley}, {@code parley-file}, {@code raw}, {@code bun} (any case). */
    static final class Converter implements CommandLine.ITypeConverter<Peer> {
        @Override
        public Peer convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            for (Peer p : values()) {
                if (p.label.equals(v)) {
                    return p;
                }
            }
            throw new CommandLine.TypeConversionException(
                    "was '" + value + "' but must be one of parley, parley-file, raw, bun");
        }
    }
}
