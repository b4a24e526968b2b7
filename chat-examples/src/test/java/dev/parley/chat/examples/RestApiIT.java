package dev.parley.chat.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API, health and metrics of the packaged server on its HTTP port, authenticated as the
 * WebSocket is: {@code ?user=} in trust mode, a Bearer token in token mode.
 */
@Timeout(180)
class RestApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    Path data;

    private String base;

    /** A response's status and its JSON body (or its text, for /metrics). */
    record Reply(int status, String text, HttpResponse<String> response) {
        JsonNode json() {
            try {
                return JSON.readTree(text);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + text, e);
            }
        }

        String code() {
            return json().path("code").asText();
        }
    }

    private Reply get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body(), response);
    }

    private Reply post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body(), response);
    }

    @Test
    void restInTrustMode_readsPublishesOnceByIdempotencyKey_andRefusesWithTheProtocolsCodes() throws Exception {
        int httpPort = freePort();
        try (ServerProcess server = ServerProcess.start("--ws-port", "0", "--http-port", String.valueOf(httpPort),
                "--data", data.toString(), "--max-body-bytes", "100");
                JdkWebSocketClient alice = JdkWebSocketClient.connect(server.uri())) {
            base = "http://127.0.0.1:" + httpPort;
            Map<String, Double> before = metrics(get("/metrics"));

            alice.request("{\"type\":\"hello\",\"v\":1,\"user\":\"alice\"}");
            assertThat(alice.request("{\"type\":\"join\",\"room\":\"hall\"}").path("type").asText()).isEqualTo("joined");

            // POST as bob, then the same request again: one message, the same answer.
            Reply first = post("/api/rooms/hall/messages?user=bob", "{\"body\":\"from rest\"}", "Idempotency-Key", "k-1");
            assertThat(first.status()).as(first.text()).isEqualTo(201);
            assertThat(first.json().path("user").asText()).isEqualTo("bob");
            assertThat(first.json().path("seq").asLong()).isEqualTo(1);
            assertThat(first.json().path("cid").asText()).isEqualTo("k-1");
            Reply retry = post("/api/rooms/hall/messages?user=bob", "{\"body\":\"from rest\"}", "Idempotency-Key", "k-1");
            assertThat(retry.status()).isEqualTo(201);
            assertThat(retry.json().path("seq").asLong()).isEqualTo(1);
            assertThat(retry.json().path("id").asText()).isEqualTo(first.json().path("id").asText());
            JsonNode pushed = alice.await(f -> f.path("type").asText().equals("message"), "bob's message");
            assertThat(pushed.path("body").asText()).isEqualTo("from rest");
            for (int i = 2; i <= 5; i++) {
                assertThat(post("/api/rooms/hall/messages?user=bob", "{\"body\":\"m" + i + "\"}").status()).isEqualTo(201);
            }
            alice.await(f -> f.path("type").asText().equals("message") && f.path("seq").asLong() == 5, "seq 5");
            assertThat(alice.rawFrames().stream().filter(t -> t.contains("\"from rest\"")).count()).isEqualTo(1);

            // History: latest, after, before, with hasMore; a bad query is 400.
            Reply latest = get("/api/rooms/hall/messages?user=bob&limit=2");
            assertThat(latest.status()).isEqualTo(200);
            assertThat(seqs(latest.json())).containsExactly(4L, 5L);
            assertThat(latest.json().path("hasMore").asBoolean()).isTrue();
            assertThat(seqs(get("/api/rooms/hall/messages?user=bob&after=1&limit=2").json())).containsExactly(2L, 3L);
            Reply older = get("/api/rooms/hall/messages?user=bob&before=3");
            assertThat(seqs(older.json())).containsExactly(1L, 2L);
            assertThat(older.json().path("hasMore").asBoolean()).isFalse();
            assertThat(older.json().path("messages").get(0).path("body").asText()).isEqualTo("from rest");
            Reply both = get("/api/rooms/hall/messages?user=bob&before=3&after=1");
            assertThat(both.status()).isEqualTo(400);
            assertThat(both.code()).isEqualTo("BAD_REQUEST");
            assertThat(get("/api/rooms/hall/messages?user=bob&limit=0").status()).isEqualTo(400);
            assertThat(get("/api/rooms/hall/messages?user=bob&limit=x").status()).isEqualTo(400);

            // Members and the room list with read markers and unread counts.
            Reply members = get("/api/rooms/hall/members?user=bob");
            assertThat(members.status()).isEqualTo(200);
            assertThat(members.json().path("members").get(0).path("user").asText()).isEqualTo("alice");
            alice.request("{\"type\":\"read\",\"room\":\"hall\",\"seq\":3}");
            JsonNode aliceRooms = get("/api/rooms?user=alice").json().path("rooms");
            assertThat(aliceRooms).hasSize(1);
            assertThat(aliceRooms.get(0).path("room").asText()).isEqualTo("hall");
            assertThat(aliceRooms.get(0).path("seq").asLong()).isEqualTo(5);
            assertThat(aliceRooms.get(0).path("read").asLong()).isEqualTo(3);
            assertThat(aliceRooms.get(0).path("unread").asLong()).isEqualTo(2);
            assertThat(aliceRooms.get(0).path("members").asInt()).isEqualTo(1);
            assertThat(get("/api/rooms?user=bob").json().path("rooms").get(0).path("unread").asLong()).isEqualTo(5);

            // Refusals, each with the protocol's code and its HTTP status.
            Reply anonymous = get("/api/rooms");
            assertThat(anonymous.status()).isEqualTo(401);
            assertThat(anonymous.code()).isEqualTo("UNAUTHENTICATED");
            assertThat(post("/api/rooms/hall/messages", "{\"body\":\"who am i\"}").status()).isEqualTo(401);
            Reply badUser = get("/api/rooms?user=no%20spaces");
            assertThat(badUser.status()).isEqualTo(400);
            assertThat(badUser.code()).isEqualTo("INVALID_USER");
            assertThat(post("/api/rooms", "{\"room\":\"dm:alice:carol\"}", "X-Ignore", "x").status()).isEqualTo(401);
            assertThat(post("/api/rooms?user=alice", "{\"room\":\"dm:alice:carol\"}").status()).isEqualTo(201);
            Reply otherDm = get("/api/rooms/dm:alice:carol/messages?user=bob");
            assertThat(otherDm.status()).isEqualTo(403);
            assertThat(otherDm.code()).isEqualTo("FORBIDDEN");
            assertThat(post("/api/rooms/dm:alice:carol/messages?user=bob", "{\"body\":\"let me in\"}").code()).isEqualTo("FORBIDDEN");
            assertThat(get("/api/rooms/dm:alice:carol/members?user=bob").status()).isEqualTo(403);
            assertThat(get("/api/rooms?user=bob").json().path("rooms")).hasSize(1); // not the others' direct room
            Reply missing = get("/api/rooms/nowhere/messages?user=bob");
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.code()).isEqualTo("NOT_FOUND");
            assertThat(post("/api/rooms/nowhere/messages?user=bob", "{\"body\":\"hello?\"}").status()).isEqualTo(404);
            assertThat(get("/api/rooms/hall/nothing?user=bob").status()).isEqualTo(404);
            assertThat(get("/api/roomsfoo?user=bob").status()).isEqualTo(404);
            Reply invalidRoom = get("/api/rooms/.hidden/messages?user=bob");
            assertThat(invalidRoom.status()).isEqualTo(400);
            assertThat(invalidRoom.code()).isEqualTo("INVALID_ROOM");
            Reply exists = post("/api/rooms?user=bob", "{\"room\":\"hall\",\"topic\":\"again\"}");
            assertThat(exists.status()).isEqualTo(409);
            assertThat(exists.code()).isEqualTo("ROOM_EXISTS");
            Reply tooLarge = post("/api/rooms/hall/messages?user=bob", "{\"body\":\"" + "x".repeat(101) + "\"}");
            assertThat(tooLarge.status()).isEqualTo(413);
            assertThat(tooLarge.code()).isEqualTo("MESSAGE_TOO_LARGE");
            assertThat(post("/api/rooms/hall/messages?user=bob", "not json").code()).isEqualTo("BAD_REQUEST");
            assertThat(post("/api/rooms/hall/messages?user=bob", "{\"body\":42}").status()).isEqualTo(400);
            assertThat(post("/api/rooms/hall/messages?user=bob", "{\"body\":\"x\"}", "Idempotency-Key", "has space").status())
                    .isEqualTo(400);
            assertThat(get("/api/rooms/hall/messages?user=bob&limit=100").json().path("messages")).hasSize(5);

            // Health: the store can be written, the WebSocket is bound.
            Reply health = get("/api/health");
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.json().path("status").asText()).isEqualTo("ok");
            assertThat(health.json().path("store").path("writable").asBoolean()).isTrue();
            assertThat(health.json().path("transports").path("ws").path("bound").asBoolean()).isTrue();
            assertThat(health.json().path("transports").path("ws").path("port").asInt()).isEqualTo(server.uri().getPort());

            // Metrics: an engine error, then every named meter with values that moved.
            alice.request("{\"type\":\"publish\",\"room\":\"elsewhere\",\"body\":\"not joined\"}");
            Reply scrape = get("/metrics");
            assertThat(scrape.status()).isEqualTo(200);
            assertThat(scrape.response().headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
            Map<String, Double> after = metrics(scrape);
            assertThat(after.get("parley_connections")).isEqualTo(1.0);
            assertThat(after.get("parley_connections_opened_total")).isGreaterThanOrEqualTo(1.0);
            assertThat(after.get("parley_rooms")).isGreaterThanOrEqualTo(1.0);
            assertThat(after.get("parley_messages_stored_total") - before.get("parley_messages_stored_total")).isEqualTo(5.0);
            assertThat(after.get("parley_deliveries_total")).isEqualTo(5.0); // alice, the one member, got each once
            assertThat(after.get("parley_messages_in_total")).isGreaterThanOrEqualTo(4.0);
            assertThat(after.get("parley_messages_out_total")).isGreaterThan(after.get("parley_deliveries_total"));
            assertThat(after).containsKeys("parley_slow_reader_catchups_total", "parley_slow_consumer_closes_total");
            assertThat(after.get("parley_errors_total{code=\"NOT_IN_ROOM\"}")).isEqualTo(1.0);
            assertThat(after.get("parley_errors_total{code=\"UNAVAILABLE\"}")).isEqualTo(0.0);
            // Six appends reached the sequencer (the retry too), none failed; the histogram has buckets.
            assertThat(after.get("parley_store_append_seconds_count{outcome=\"ok\"}")).isEqualTo(6.0);
            assertThat(after.get("parley_store_append_seconds_count{outcome=\"failed\"}")).isEqualTo(0.0);
            assertThat(after.get("parley_store_append_seconds_sum{outcome=\"ok\"}")).isGreaterThan(0.0);
            assertThat(after.keySet()).anyMatch(k -> k.startsWith("parley_store_append_seconds_bucket{") && k.contains("outcome=\"ok\""));
            assertThat(after.entrySet()).anyMatch(e -> e.getKey().startsWith("parley_store_append_seconds_bucket{")
                    && e.getKey().contains("le=\"+Inf\"") && e.getKey().contains("outcome=\"ok\"") && e.getValue() == 6.0);
        }
    }

    @Test
    void restInTokenMode_takesTheBearerToken_refusesOthers_andRateLimitsPublishes() throws Exception {
        int httpPort = freePort();
        try (ServerProcess server = ServerProcess.start("--ws-port", "0", "--http-port", String.valueOf(httpPort),
                "--data", data.toString(), "--auth", "token", "--token", "alice=secret-a", "--token", "bob=secret-b",
                "--publish-rate", "1", "--publish-burst", "2")) {
            base = "http://127.0.0.1:" + httpPort;
            assertThat(post("/api/rooms", "{\"room\":\"ops\",\"topic\":\"on call\"}", "Authorization", "Bearer secret-a").status())
                    .isEqualTo(201);
            Reply rooms = get("/api/rooms", "Authorization", "Bearer secret-b");
            assertThat(rooms.status()).isEqualTo(200);
            assertThat(rooms.json().path("rooms").get(0).path("topic").asText()).isEqualTo("on call");

            Reply wrong = get("/api/rooms", "Authorization", "Bearer not-a-token");
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.code()).isEqualTo("UNAUTHENTICATED");
            assertThat(wrong.response().headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer");
            assertThat(get("/api/rooms?user=alice").status()).isEqualTo(401); // a name is no proof here
            assertThat(get("/api/rooms?user=bob", "Authorization", "Bearer secret-a").status()).isEqualTo(401);

            Reply published = post("/api/rooms/ops/messages", "{\"body\":\"one\"}", "Authorization", "Bearer secret-a");
            assertThat(published.status()).isEqualTo(201);
            assertThat(published.json().path("user").asText()).isEqualTo("alice");
            assertThat(post("/api/rooms/ops/messages", "{\"body\":\"two\"}", "Authorization", "Bearer secret-a").status())
                    .isEqualTo(201);
            Reply limited = post("/api/rooms/ops/messages", "{\"body\":\"three\"}", "Authorization", "Bearer secret-a");
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.code()).isEqualTo("RATE_LIMITED");
            assertThat(limited.json().path("retryAfterMs").asLong()).isPositive();
            assertThat(limited.response().headers().firstValue("Retry-After")).isPresent();
            // The bucket is the user's: bob still may.
            assertThat(post("/api/rooms/ops/messages", "{\"body\":\"bob\"}", "Authorization", "Bearer secret-b").status())
                    .isEqualTo(201);
            assertThat(seqs(get("/api/rooms/ops/messages", "Authorization", "Bearer secret-b").json()))
                    .containsExactly(1L, 2L, 3L);
        }
    }

    private static List<Long> seqs(JsonNode page) {
        List<Long> out = new ArrayList<>();
        page.path("messages").forEach(m -> out.add(m.path("seq").asLong()));
        return out;
    }

    /** Prometheus text as {@code name{labels}} → value; comments left out. */
    private static Map<String, Double> metrics(Reply scrape) {
        assertThat(scrape.status()).isEqualTo(200);
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : scrape.text().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
