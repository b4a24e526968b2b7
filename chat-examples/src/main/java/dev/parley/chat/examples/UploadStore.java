package dev.parley.chat.examples;

import com.sun.net.httpserver.HttpExchange;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files users share, one directory of them ({@code DATA/uploads}), each under a name the
 * server makes: 128 random bits in hex and the extension of the type its bytes were found to be.
 * The user's file name is only ever a display name, never part of a path.
 *
 * <p>Only types recognized from the bytes are kept: PNG, JPEG, GIF and WebP images by their magic
 * numbers, PDF by {@code %PDF-}, and plain text when the whole file is UTF-8 without control
 * characters. Anything else is refused ({@code 415}), so the server never hands back bytes whose
 * type it cannot vouch for; a declared type that is not the one found is refused too.
 *
 * <p>Files are served without authentication to whoever has the URL: an {@code <img>} cannot send
 * a Bearer token, so the 128 random bits are what keeps a file private to those who saw the
 * message. Deleting the message leaves the file.
 */
final class UploadStore {
    private static final Logger log = LoggerFactory.getLogger(UploadStore.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** What {@code GET /uploads/NAME} accepts as NAME: exactly the names {@link #store} makes. */
    private static final Pattern STORED_NAME = Pattern.compile("([0-9a-f]{32})\\.(png|jpg|gif|webp|pdf|txt)");
    private static final int MAX_DISPLAY_NAME_CHARS = 128;
    /** The longest upload limit the server takes; the body is streamed to disk, never held. */
    static final long MAX_LIMIT_BYTES = 1L << 30;

    /** A type the server keeps: its media type, its extension, and whether the page shows it inline. */
    enum Kind {
        PNG("image/png", "png", true),
        JPEG("image/jpeg", "jpg", true),
        GIF("image/gif", "gif", true),
        WEBP("image/webp", "webp", true),
        PDF("application/pdf", "pdf", false),
        TEXT("text/plain; charset=utf-8", "txt", false);

        final String mediaType;
        final String extension;
        final boolean image;

        Kind(String mediaType, String extension, boolean image) {
            this.mediaType = mediaType;
            this.extension = extension;
            this.image = image;
        }

        /** The media type without parameters, as a client declares it. */
        String essence() {
            int semicolon = mediaType.indexOf(';');
            return semicolon < 0 ? mediaType : mediaType.substring(0, semicolon);
        }

        static Kind byExtension(String extension) {
            for (Kind k : values()) {
                if (k.extension.equals(extension)) {
                    return k;
                }
            }
            throw new IllegalArgumentException(extension);
        }
    }

    /**
     * A file kept.
     *
     * @param path where the server reads it back ({@code /uploads/NAME})
     * @param name the display name: the last segment of the user's name, cleaned
     * @param kind the type found in its bytes
     * @param sizeBytes its length
     */
    record Stored(String path, String name, Kind kind, long sizeBytes) {}

    /** An upload refused, with its HTTP status. Nothing of it stays on disk. */
    static final class Refused extends Exception {
        final int status;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private final Path directory;
    private final long maxBytes;

    /**
     * @param directory where the files go; created if missing
     * @param maxBytes the largest file, in [1, {@link #MAX_LIMIT_BYTES}]
     */
    UploadStore(Path directory, long maxBytes) {
        if (maxBytes < 1 || maxBytes > MAX_LIMIT_BYTES) {
            throw new IllegalArgumentException("maxBytes was " + maxBytes + " but must be in [1, " + MAX_LIMIT_BYTES + "]");
        }
        this.directory = directory.toAbsolutePath().normalize();
        this.maxBytes = maxBytes;
    }

    long maxBytes() {
        return maxBytes;
    }

    Path directory() {
        return directory;
    }

    /**
     * Keeps one upload: streamed to a temporary file in the directory, checked, fsynced and
     * renamed to its generated name (then the directory is fsynced), so a crash leaves either the
     * whole file or a temporary one, never a half file under a served name.
     *
     * @param body the request body
     * @param declaredLength the request's Content-Length, or -1 when unknown (chunked)
     * @param declaredType the request's Content-Type, or null
     * @param userName the name the user gave, or null
     * @throws Refused 413 over the limit, 415 for a type not found in the bytes or not the one
     *     declared, 400 for an empty body
     */
    Stored store(InputStream body, long declaredLength, String declaredType, String userName)
            throws IOException, Refused {
        String declared = essence(declaredType);
        if (declared != null && declared.startsWith("multipart/")) {
            throw new Refused(415, "send the file itself as the request body, not " + declared);
        }
        if (declaredLength > maxBytes) {
            throw new Refused(413, "the file is " + declaredLength + " bytes; the limit is " + maxBytes);
        }
        Files.createDirectories(directory);
        String id = newId();
        Path temporary = directory.resolve(".upload-" + id + ".tmp");
        boolean kept = false;
        try {
            long size = copyAtMost(body, temporary);
            if (size == 0) {
                throw new Refused(400, "the file is empty");
            }
            Kind kind = detect(temporary);
            if (kind == null) {
                throw new Refused(415, "the file is none of PNG, JPEG, GIF, WebP, PDF or UTF-8 text");
            }
            if (declared != null && !declared.equals("application/octet-stream") && !declared.equals(kind.essence())) {
                throw new Refused(415, "the file says " + declared + " but its bytes are " + kind.essence());
            }
            String name = id + "." + kind.extension;
            Path target = directory.resolve(name);
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target);
            }
            kept = true;
            forceDirectory();
            return new Stored("/uploads/" + name, displayName(userName, kind), kind, size);
        } finally {
            if (!kept) {
                Files.deleteIfExists(temporary);
            }
        }
    }

    /** Copies the body to {@code file}, fsynced; refuses as soon as it passes the limit. */
    private long copyAtMost(InputStream body, Path file) throws IOException, Refused {
        long size = 0;
        byte[] buffer = new byte[64 * 1024];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                OutputStream out = java.nio.channels.Channels.newOutputStream(channel)) {
            int n;
            while ((n = body.read(buffer)) > 0) {
                size += n;
                if (size > maxBytes) {
                    throw new Refused(413, "the file is over the limit of " + maxBytes + " bytes");
                }
                out.write(buffer, 0, n);
            }
            out.flush();
            channel.force(true);
        }
        return size;
    }

    private void forceDirectory() {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some file systems cannot open a directory; the file itself is already durable.
            log.debug("could not fsync {}: {}", directory, e.toString());
        }
    }

    /** The type the bytes are: magic numbers first, then UTF-8 text; null for anything else. */
    static Kind detect(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(16);
        }
        Kind magic = magic(head);
        if (magic != null) {
            return magic;
        }
        return isText(file) ? Kind.TEXT : null;
    }

    static Kind magic(byte[] b) {
        if (startsWith(b, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return Kind.PNG;
        }
        if (startsWith(b, 0, 0xFF, 0xD8, 0xFF)) {
            return Kind.JPEG;
        }
        if (startsWith(b, 0, 'G', 'I', 'F', '8', '7', 'a') || startsWith(b, 0, 'G', 'I', 'F', '8', '9', 'a')) {
            return Kind.GIF;
        }
        if (startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P')) {
            return Kind.WEBP;
        }
        if (startsWith(b, 0, '%', 'P', 'D', 'F', '-')) {
            return Kind.PDF;
        }
        return null;
    }

    private static boolean startsWith(byte[] bytes, int offset, int... expected) {
        if (bytes.length < offset + expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if ((bytes[offset + i] & 0xFF) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** Well-formed UTF-8 (no lone surrogates) and no control character but tab, newline, CR, FF. */
    private static boolean isText(Path file) throws IOException {
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder))) {
            char[] chars = new char[8192];
            int n;
            boolean first = true;
            while ((n = reader.read(chars)) > 0) {
                for (int i = 0; i < n; i++) {
                    char c = chars[i];
                    if (first && i == 0 && c == '\uFEFF') {
                        continue; // a byte order mark
                    }
                    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F
                            || (c >= 0x80 && c < 0xA0)) {
                        return false;
                    }
                }
                first = false;
            }
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static String essence(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return null;
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    /**
     * What the page shows as the file's name: the last segment of what the user gave (after any
     * {@code /} or {@code \}), without control characters, at most 128 characters; the generated
     * name's shape when nothing is left.
     */
    static String displayName(String userName, Kind kind) {
        String name = userName == null ? "" : userName;
        name = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
        StringBuilder clean = new StringBuilder();
        name.codePoints()
                .filter(c -> !Character.isISOControl(c) && Character.getType(c) != Character.FORMAT
                        && Character.getType(c) != Character.SURROGATE)
                .limit(MAX_DISPLAY_NAME_CHARS)
                .forEach(clean::appendCodePoint);
        String out = clean.toString().strip();
        return out.isEmpty() || out.equals(".") || out.equals("..") ? "file." + kind.extension : out;
    }

    private static String newId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    // ---- serving -------------------------------------------------------------------------------

    /**
     * {@code GET /uploads/NAME}: the file with the type found when it was stored, {@code nosniff},
     * inline for images and as an attachment for the rest, and a CSP that lets the file itself
     * run nothing should a browser open it as a page.
     */
    void serve(HttpExchange exchange) throws IOException {
        try {
            if (!exchange.getRequestMethod().equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                plain(exchange, 405, "method not allowed");
                return;
            }
            List<String> parts = List.of(exchange.getRequestURI().getRawPath().split("/", -1));
            Matcher m = parts.size() == 3 && parts.get(1).equals("uploads") ? STORED_NAME.matcher(parts.get(2)) : null;
            if (m == null || !m.matches()) {
                plain(exchange, 404, "not found");
                return;
            }
            Kind kind = Kind.byExtension(m.group(2));
            Path file = directory.resolve(m.group(0));
            long size;
            InputStream in;
            try {
                in = Files.newInputStream(file);
                size = Files.size(file);
            } catch (NoSuchFileException e) {
                plain(exchange, 404, "not found");
                return;
            }
            try (in) {
                var headers = exchange.getResponseHeaders();
                headers.set("Content-Type", kind.mediaType);
                headers.set("X-Content-Type-Options", "nosniff");
                headers.set("Content-Disposition", kind.image ? "inline" : "attachment; filename=\"" + m.group(0) + "\"");
                headers.set("Content-Security-Policy", "default-src 'none'; sandbox");
                headers.set("Cross-Origin-Resource-Policy", "same-origin");
                headers.set("Referrer-Policy", "no-referrer");
                // A stored name is never reused for other bytes.
                headers.set("Cache-Control", "private, max-age=31536000, immutable");
                exchange.sendResponseHeaders(200, size);
                try (OutputStream out = exchange.getResponseBody()) {
                    in.transferTo(out);
                }
            }
        } finally {
            exchange.close();
        }
    }

    private static void plain(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
