package dev.parley.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which threads a server makes: only the ones its builder documents, and none it was given. */
@Timeout(30)
class ChatServerThreadsTest {

    @Test
    void defaultServer_startsOneDocumentedSchedulerThread_andNoTimerThreadOfItsOwn_andStopsItOnClose() {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        ChatServer server = ChatServer.builder().build();
        server.start();
        List<String> made = namesOfThreadsNotIn(before);
        assertThat(made).noneMatch(name -> name.startsWith("parley-timers"));
        assertThat(made).filteredOn(name -> name.startsWith("parley-scheduler-")).hasSize(1);
        // The room pool makes threads lazily, for work; nothing else is started behind the builder.
        assertThat(made).allMatch(name -> name.startsWith("parley-scheduler-") || name.startsWith("parley-room-"));
        server.close();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> namesOfThreadsNotIn(before).stream().noneMatch(n -> n.startsWith("parley-scheduler-")));
    }

    @Test
    void serverGivenAnExecutorAndAScheduler_startsNoThreadOfItsOwn_andRunsItsTimersOnTheScheduler()
            throws InterruptedException {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        Set<Long> delays = ConcurrentHashMap.newKeySet();
        CountDownLatch scheduled = new CountDownLatch(1);
        Scheduler recording = (task, delayMillis) -> {
            delays.add(delayMillis);
            scheduled.countDown();
            return () -> {};
        };
        ChatServer server = ChatServer.builder().executor(Runnable::run).scheduler(recording).build();
        server.start();
        assertThat(scheduled.await(10, TimeUnit.SECONDS)).as("the engine schedules its idle-room sweep").isTrue();
        assertThat(delays).contains(10_000L);
        server.close();
        assertThat(namesOfThreadsNotIn(before)).noneMatch(name -> name.startsWith("parley-"));
    }

    private static List<String> namesOfThreadsNotIn(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t))
                .map(Thread::getName)
                .collect(Collectors.toList());
    }
}
