package dev.parley.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ConcurrentPublishTest {
    private static final int AUTHORS = 8;
    private static final int EACH = 500;

    @Test
    void eightAuthorsPublishingAtOnce_everyMemberSeesOneGaplessOrder_andEachAuthorsOrderIsKept() throws Exception {
        try (EngineFixture f = new EngineFixture(b -> b.publishPerSecond(1_000_000).publishBurst(1_000_000))) {
            List<RecordingClient> authors = new ArrayList<>();
            for (int i = 0; i < AUTHORS; i++) {
                RecordingClient c = f.client("author" + i);
                c.join("room");
                authors.add(c);
            }
            RecordingClient watcher = f.client("watcher");
            watcher.join("room");

            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(AUTHORS);
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < AUTHORS; i++) {
                RecordingClient author = authors.get(i);
                int index = i;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int n = 0; n < EACH; n++) {
                        author.send("{\"type\":\"publish\",\"room\":\"room\",\"body\":\"" + index + ":" + n
                                + "\",\"ref\":" + n + "}");
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> d : done) {
                d.get();
            }
            pool.shutdown();

            int total = AUTHORS * EACH;
            List<Long> reference = seqsOf(watcher.awaitMessages("room", total, Duration.ofSeconds(30)));
            assertGapless(reference, total);
            for (RecordingClient author : authors) {
                List<JsonNode> seen = author.awaitMessages("room", total, Duration.ofSeconds(30));
                assertThat(seqsOf(seen)).isEqualTo(reference);
                assertEachAuthorKeepsItsOrder(seen);
            }
            Set<Long> acknowledged = new HashSet<>();
            for (RecordingClient author : authors) {
                List<JsonNode> acks = author.awaitAll(
                        a -> "published".equals(a.path("type").asText()), EACH, Duration.ofSeconds(10), "published");
                for (JsonNode ack : acks) {
                    assertThat(ack.get("duplicate").asBoolean()).isFalse();
                    acknowledged.add(ack.get("seq").asLong());
                }
            }
            assertThat(acknowledged).hasSize(total);
        }
    }

    private static void assertEachAuthorKeepsItsOrder(List<JsonNode> messages) {
        Map<String, Integer> lastByAuthor = new HashMap<>();
        for (JsonNode m : messages) {
            String[] parts = m.get("body").asText().split(":");
            int n = Integer.parseInt(parts[1]);
            Integer last = lastByAuthor.put(m.get("user").asText(), n);
            assertThat(n).as("author %s order", m.get("user").asText()).isEqualTo(last == null ? 0 : last + 1);
            assertThat(m.get("user").asText()).isEqualTo("author" + parts[0]);
        }
    }

    static List<Long> seqsOf(List<JsonNode> messages) {
        List<Long> seqs = new ArrayList<>(messages.size());
        for (JsonNode m : messages) {
            seqs.add(m.get("seq").asLong());
        }
        return seqs;
    }

    static void assertGapless(List<Long> seqs, int count) {
        assertThat(seqs).hasSize(count);
        for (int i = 0; i < count; i++) {
            assertThat(seqs.get(i)).isEqualTo(i + 1L);
        }
    }
}
