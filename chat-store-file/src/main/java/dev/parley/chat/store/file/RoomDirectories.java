package dev.parley.chat.store.file;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The mapping of room ids to directory names, and the {@code room.meta} file that names the room
 * inside its directory (FORMAT.md, "Layout"). A room id never becomes a path: the directory is
 * named by the hex of the id's UTF-8 bytes, or a SHA-256 of them for long ids.
 */
final class RoomDirectories {
    static final String META = "room.meta";
    /** Ids up to this many UTF-8 bytes are named by their hex, longer ones by a hash. */
    private static final int MAX_HEX_ID_BYTES = 100;

    /** What {@code room.meta} holds. */
    record Meta(String id, String epoch, String topic, long createdAt) {
        byte[] bytes() {
            return new SmallFiles.Writer(SmallFiles.MAGIC_META).putString(id).putString(epoch).putString(topic)
                    .putLong(createdAt).finish();
        }
    }

    private RoomDirectories() {}

    /** The directory name of a room: {@code r-} and the hex of its UTF-8 bytes, or {@code h-} and their SHA-256. */
    static String directoryName(String room) {
        byte[] utf8 = room.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= MAX_HEX_ID_BYTES && new String(utf8, StandardCharsets.UTF_8).equals(room)) {
            return "r-" + HexFormat.of().formatHex(utf8);
        }
        try {
            // Unpaired surrogates do not survive UTF-8, so such ids are hashed from their UTF-16 units.
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < room.length(); i++) {
                char c = room.charAt(i);
                sha.update((byte) (c >> 8));
                sha.update((byte) c);
            }
            return "h-" + HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Reads {@code room.meta} of a room directory; null if it is missing or damaged. */
    static Meta readMeta(Path directory) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(directory.resolve(META));
        } catch (NoSuchFileException e) {
            return null;
        }
        SmallFiles.Reader r = SmallFiles.Reader.open(bytes, SmallFiles.MAGIC_META);
        if (r == null) {
            return null;
        }
        return new Meta(r.getString(), r.getString(), r.getString(), r.getLong());
    }
}
