package dev.parley.chat.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the HTTP side serves for the page, without a browser. */
@Timeout(120)
class WebPageIT {
    @TempDir
    Path data;

    @Test
    void pageFiles_comeWithTheirTypesAndACsp_andNothingElseIsServedFromTheJar() throws Exception {
        int httpPort = freePort();
        try (ServerProcess server = ServerProcess.start("--ws-port", "0", "--http-port", String.valueOf(httpPort), "--data", data.toString())) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + httpPort;
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                    .contains("default-src 'self'", "connect-src 'self' ws://127.0.0.1:" + server.uri().getPort())
                    .doesNotContain("unsafe-inline");
            assertThat(page.body()).contains("<meta name=\"viewport\"", "src=\"/app.js\"").doesNotContain("<script>");
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/app.js")).build(), HttpResponse.BodyHandlers.ofString())
                    .headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/app.css")).build(), HttpResponse.BodyHandlers.ofString())
                    .headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
            for (String path : new String[] {"/web/index.html", "/index.html", "/../pom.xml", "/dev/parley/chat/examples/ParleyServer.class"}) {
                assertThat(http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode()).as(path).isEqualTo(404);
            }
        }
    }

    @Test
    void aHostileHostHeader_isNeverEchoedIntoTheCsp() throws Exception {
        int httpPort = freePort();
        try (ServerProcess server = ServerProcess.start("--ws-port", "0", "--http-port", String.valueOf(httpPort), "--data", data.toString());
                Socket socket = new Socket("127.0.0.1", httpPort)) {
            OutputStream out = socket.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: evil.example;script-src *\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String csp = response.lines().filter(l -> l.regionMatches(true, 0, "Content-Security-Policy:", 0, 24)).findFirst().orElseThrow();
            assertThat(csp).doesNotContain("evil", "script-src *").contains("ws://127.0.0.1:" + server.uri().getPort());
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
