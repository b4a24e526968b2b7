package dev.parley.chat.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /api/uploads} and {@code GET /uploads/NAME} of the packaged server, over HTTP:
 * authenticated, limited in size, typed by the bytes, stored by a generated name under
 * {@code DATA/uploads} and nowhere else.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class UploadsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LIMIT = 4096;
    private static final String STORED_URL = "/uploads/[0-9a-f]{32}\\.(png|jpg|gif|webp|pdf|txt)";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private Path root;
    private Path data;
    private Path uploads;
    private ServerProcess server;
    private String base;

    @BeforeAll
    void start(@TempDir Path root) throws Exception {
        this.root = root;
        // The data directory sits two levels down, so that "../../x" from uploads stays inside root.
        data = Files.createDirectories(root.resolve("a").resolve("data"));
        uploads = data.resolve("uploads");
        int httpPort = freePort();
        server = ServerProcess.start("--ws-port", "0", "--http-port", String.valueOf(httpPort), "--data", data.toString(),
                "--max-upload-bytes", String.valueOf(LIMIT), "--publish-rate", "1000", "--publish-burst", "1000");
        base = "http://127.0.0.1:" + httpPort;
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void anImage_isStoredByAGeneratedName_andServedBackWithItsTypeNosniffAndInline() throws Exception {
        byte[] png = png(3, 2);
        HttpResponse<String> reply = upload("?user=alice&name=" + encode("holiday photo.png"), "image/png", png);
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(201);
        JsonNode json = JSON.readTree(reply.body());
        String url = json.path("url").asText();
        assertThat(url).matches(STORED_URL).endsWith(".png");
        assertThat(json.path("name").asText()).isEqualTo("holiday photo.png");
        assertThat(json.path("type").asText()).isEqualTo("image/png");
        assertThat(json.path("size").asLong()).isEqualTo(png.length);
        assertThat(reply.headers().firstValue("Location")).hasValue(url);
        assertThat(Files.readAllBytes(uploads.resolve(url.substring("/uploads/".length())))).isEqualTo(png);

        HttpResponse<byte[]> served = http.send(HttpRequest.newBuilder(URI.create(base + url)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.body()).isEqualTo(png);
        assertThat(served.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(served.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(served.headers().firstValue("Content-Disposition")).hasValue("inline");
        assertThat(served.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'none'", "sandbox");
    }

    @Test
    void aPdfAndText_areServedAsAttachments_withTheTypeOfTheirBytes() throws Exception {
        byte[] pdf = "%PDF-1.4\n%\u00e2\u00e3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] text = "notes: ünïcode is fine\r\n\ttabs too\n".getBytes(StandardCharsets.UTF_8);
        // A browser sends "" for a type it does not know; the octet-stream then takes the bytes' type.
        for (Object[] c : new Object[][] {{pdf, "application/pdf", "application/pdf", ".pdf"},
                {text, "application/octet-stream", "text/plain; charset=utf-8", ".txt"}}) {
            HttpResponse<String> reply = upload("?user=alice&name=doc", (String) c[1], (byte[]) c[0]);
            assertThat(reply.statusCode()).as(reply.body()).isEqualTo(201);
            String url = JSON.readTree(reply.body()).path("url").asText();
            assertThat(url).matches(STORED_URL).endsWith((String) c[3]);
            HttpResponse<byte[]> served = http.send(HttpRequest.newBuilder(URI.create(base + url)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(served.body()).isEqualTo(c[0]);
            assertThat(served.headers().firstValue("Content-Type")).hasValue((String) c[2]);
            assertThat(served.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(served.headers().firstValue("Content-Disposition").orElseThrow())
                    .isEqualTo("attachment; filename=\"" + url.substring("/uploads/".length()) + "\"");
        }
    }

    @Test
    void withoutCredentials_anUploadIs401_andNothingIsWritten() throws Exception {
        Set<String> before = files(root);
        HttpResponse<String> anonymous = upload("?name=a.png", "image/png", png(1, 1));
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(anonymous.body()).path("code").asText()).isEqualTo("UNAUTHENTICATED");
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(upload("?user=.hidden", "image/png", png(1, 1)).statusCode()).isEqualTo(400);
        assertThat(files(root)).isEqualTo(before);
    }

    @Test
    void overTheLimit_is413_withOrWithoutAContentLength_andLeavesNoFile() throws Exception {
        byte[] big = Arrays.copyOf(png(1, 1), LIMIT + 1);
        Set<String> before = files(root);
        HttpResponse<String> declared = upload("?user=alice&name=big.png", "image/png", big);
        assertThat(declared.statusCode()).as(declared.body()).isEqualTo(413);
        assertThat(JSON.readTree(declared.body()).path("code").asText()).isEqualTo("MESSAGE_TOO_LARGE");
        // Chunked: no Content-Length, so the limit is found while the body streams to disk.
        HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(URI.create(base + "/api/uploads?user=alice&name=big.png"))
                .header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).as(chunked.body()).isEqualTo(413);
        assertThat(files(root)).isEqualTo(before);

        HttpResponse<String> atTheLimit = upload("?user=alice&name=edge.png", "image/png", Arrays.copyOf(png(1, 1), LIMIT));
        assertThat(atTheLimit.statusCode()).as(atTheLimit.body()).isEqualTo(201);
    }

    @Test
    void aForgedOrUnknownType_is415_andAnEmptyFile400_andNothingIsKept() throws Exception {
        Set<String> before = files(root);
        HttpResponse<String> forged = upload("?user=alice&name=cat.png", "image/png",
                "<html><script>alert(1)</script></html>".getBytes(StandardCharsets.UTF_8));
        assertThat(forged.statusCode()).as(forged.body()).isEqualTo(415);
        assertThat(JSON.readTree(forged.body()).path("message").asText()).contains("image/png", "text/plain");
        // Bytes of one image type declared as another.
        byte[] gif = "GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000;".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(upload("?user=alice", "image/png", gif).statusCode()).isEqualTo(415);
        // Bytes of no type we keep, whatever is declared.
        byte[] binary = {0x50, 0x4B, 0x03, 0x04, 0x00, (byte) 0xC3, 0x28, 0x01};
        assertThat(upload("?user=alice&name=a.zip", "application/octet-stream", binary).statusCode()).isEqualTo(415);
        assertThat(upload("?user=alice&name=a.zip", "application/zip", binary).statusCode()).isEqualTo(415);
        assertThat(upload("?user=alice&name=x.txt", "text/plain", "bell\u0007".getBytes(StandardCharsets.UTF_8)).statusCode())
                .isEqualTo(415);
        assertThat(upload("?user=alice&name=x.txt", "text/plain", new byte[] {'a', (byte) 0xC0, (byte) 0xAF}).statusCode())
                .isEqualTo(415);
        HttpResponse<String> multipart = upload("?user=alice", "multipart/form-data; boundary=b", png(1, 1));
        assertThat(multipart.statusCode()).isEqualTo(415);
        assertThat(JSON.readTree(multipart.body()).path("message").asText()).contains("request body");
        assertThat(upload("?user=alice&name=empty.txt", "text/plain", new byte[0]).statusCode()).isEqualTo(400);
        assertThat(files(root)).isEqualTo(before);
    }

    @Test
    void aNameThatClimbsOut_isOnlyADisplayName_theFileIsStoredByAGeneratedNameInsideUploads() throws Exception {
        Set<String> before = files(root);
        for (String name : new String[] {"../../x", "..\\..\\x", "/etc/x", "..%2F..%2Fx"}) {
            HttpResponse<String> reply = upload("?user=alice&name=" + encode(name), "text/plain", "climb".getBytes(StandardCharsets.UTF_8));
            assertThat(reply.statusCode()).as(name + ": " + reply.body()).isEqualTo(201);
            JsonNode json = JSON.readTree(reply.body());
            assertThat(json.path("url").asText()).as(name).matches(STORED_URL);
            assertThat(json.path("name").asText()).as(name).doesNotContain("/", "\\");
        }
        Set<String> added = new TreeSet<>(files(root));
        added.removeAll(before);
        assertThat(added).hasSize(4);
        String inside = root.relativize(uploads).toString() + "/";
        assertThat(added).allSatisfy(p -> assertThat(p).startsWith(inside).matches(".*/[0-9a-f]{32}\\.txt"));
        assertThat(Files.exists(root.resolve("x"))).isFalse();
        assertThat(Files.exists(data.resolve("x"))).isFalse();
        assertThat(Files.exists(root.resolve("a").resolve("x"))).isFalse();
    }

    @Test
    void onlyGeneratedNamesAreServed_andOnlyPostUploads() throws Exception {
        for (String path : new String[] {"/uploads/", "/uploads/x", "/uploads/../a/data/parley.db", "/uploads/%2e%2e/pom.xml",
                "/uploads/00000000000000000000000000000000.png", "/uploads/00000000000000000000000000000000.html"}) {
            HttpResponse<String> reply = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(reply.statusCode()).as(path).isEqualTo(404);
        }
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(base + "/api/uploads?user=alice")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
    }

    // ------------------------------------------------------------ helpers

    private HttpResponse<String> upload(String query, String type, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/api/uploads" + query))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Every file under {@code dir}, relative to it: what a refused upload must leave as it was. */
    private static Set<String> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString())
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    static byte[] png(int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < width; x++) {
            for (int y = 0; y < height; y++) {
                image.setRGB(x, y, new Color(40 * x % 256, 90, 200 - 30 * y % 200).getRGB());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
