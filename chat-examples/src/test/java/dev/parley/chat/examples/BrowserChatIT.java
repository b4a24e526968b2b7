package dev.parley.chat.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.support.ui.FluentWait;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web page in a real browser: Debian's Chromium driven by Selenium, two sessions as two users,
 * against the packaged server on the file store. Skipped where Chromium or its driver is missing
 * ({@code .ci/run} installs both).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
class BrowserChatIT {
    private static final Logger log = LoggerFactory.getLogger(BrowserChatIT.class);
    // Debian's paths; the properties only exist to try the skip on a machine that has both.
    private static final Path CHROMIUM = Path.of(System.getProperty("parley.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("parley.chromedriver", "/usr/bin/chromedriver"));
    private static final String SKIPPED = "browser test skipped: needs " + CHROMIUM + " and " + CHROMEDRIVER
            + " (apt-get install chromium chromium-driver; .ci/run does)";
    private static final Duration WAIT = Duration.ofSeconds(30);

    /**
     * A wait that retries when the page re-renders an element between finding and reading it (the
     * people list and the message list are rebuilt on every push), instead of failing on the stale
     * reference.
     */
    private static FluentWait<WebDriver> waitOn(WebDriver driver) {
        return new WebDriverWait(driver, WAIT).ignoring(StaleElementReferenceException.class);
    }
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path temp;

    private int wsPort;
    private int httpPort;
    private ServerProcess server;
    private WebDriver alice;
    private WebDriver bob;

    @BeforeAll
    void startServerAndBrowsers(@TempDir Path temp) throws Exception {
        this.temp = temp;
        if (!browserInstalled()) {
            log.warn(SKIPPED);
            return;
        }
        wsPort = freePort();
        httpPort = freePort();
        server = startServer();
        alice = browser("alice");
        bob = browser("bob");
        signIn(alice, "alice");
        signIn(bob, "bob");
    }

    // Per test, not in @BeforeAll: there an assumption skips the class without a trace in the report.
    @BeforeEach
    void needsTheBrowser() {
        assumeTrue(browserInstalled(), SKIPPED);
    }

    private static boolean browserInstalled() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    @AfterAll
    void stop() throws Exception {
        for (WebDriver driver : new WebDriver[] {alice, bob}) {
            if (driver != null) {
                driver.quit();
            }
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void twoUsers_chatInARoom_seeTyping_andFoldEditsReactionsDeletesAndReplies() {
        enter(alice, "lobby");
        enter(bob, "lobby");
        say(alice, "hello bob");
        awaitBodies(bob, List.of("hello bob"));
        say(bob, "hi alice");
        awaitBodies(alice, List.of("hello bob", "hi alice"));

        alice.findElement(By.id("text")).sendKeys("I am writ");
        awaitText(bob, "typing", "alice is typing…");
        clearBox(alice);
        awaitText(bob, "typing", "");

        // Escape leaves an edit without sending it.
        message(alice, "hello bob").findElement(By.cssSelector("button[aria-label='Edit your message']")).click();
        assertThat(alice.findElement(By.id("text")).getAttribute("value")).isEqualTo("hello bob");
        alice.findElement(By.id("text")).sendKeys(Keys.ESCAPE);
        assertThat(alice.findElement(By.id("text")).getAttribute("value")).isEmpty();

        message(alice, "hello bob").findElement(By.cssSelector("button[aria-label='Edit your message']")).click();
        alice.findElement(By.id("text")).sendKeys(" again", Keys.ENTER);
        awaitBodies(bob, List.of("hello bob again", "hi alice"));
        assertThat(message(bob, "hello bob again").getText()).contains("(edited)");

        message(alice, "hi alice").findElement(By.cssSelector("button[aria-label='React with thumbs up']")).click();
        waitOn(bob).until(d -> message(d, "hi alice").findElements(By.cssSelector(".reactions button"))
                .stream().anyMatch(b -> b.getText().equals("👍 1")));

        message(bob, "hello bob again").findElement(By.cssSelector("button[aria-label='Reply to alice']")).click();
        bob.findElement(By.id("text")).sendKeys("a reply", Keys.ENTER);
        awaitBodies(alice, List.of("hello bob again", "hi alice", "a reply"));
        assertThat(message(alice, "a reply").findElement(By.className("quote")).getText()).isEqualTo("↪ alice: hello bob again");

        message(alice, "hello bob again").findElement(By.cssSelector("button[aria-label='Delete your message']")).click();
        awaitBodies(bob, List.of("message deleted", "hi alice", "a reply"));

        new Select(alice.findElement(By.id("my-status"))).selectByValue("away");
        waitOn(bob).until(d -> d.findElements(By.cssSelector("#people li.away .who")).stream()
                .anyMatch(e -> e.getText().equals("alice")));
        new Select(alice.findElement(By.id("my-status"))).selectByValue("online");
        waitOn(bob).until(d -> d.findElements(By.cssSelector("#people li.online .who")).stream()
                .anyMatch(e -> e.getText().equals("alice")));
    }

    @Test
    void aDirectRoom_opensFromThePeopleList_andReachesTheOtherUserOnly() {
        enter(alice, "meeting");
        enter(bob, "meeting");
        WebElement dmButton = waitOn(alice).until(d -> {
            List<WebElement> found = d.findElements(By.cssSelector("#people button[aria-label='Direct message bob']"));
            return found.isEmpty() ? null : found.get(0);
        });
        dmButton.click();
        awaitText(alice, "room-title", "@bob");
        say(alice, "just between us");
        awaitBodies(alice, List.of("just between us"));

        // Bob's page learns of the direct room from its room list and shows it as unread.
        WebElement bobsDm = waitOn(bob).until(d -> {
            List<WebElement> found = d.findElements(By.cssSelector("#rooms button[data-room='dm:alice:bob']"));
            return !found.isEmpty() && found.get(0).findElement(By.className("unread")).getText().equals("1") ? found.get(0) : null;
        });
        bobsDm.click();
        awaitText(bob, "room-title", "@alice");
        awaitBodies(bob, List.of("just between us"));
        say(bob, "agreed");
        awaitBodies(alice, List.of("just between us", "agreed"));
    }

    @Test
    void scrollingUp_pagesHistory_untilTheFirstMessage() {
        int count = 120;
        try (JdkWebSocketClient carol = JdkWebSocketClient.connect(URI.create("ws://127.0.0.1:" + wsPort + "/ws"))) {
            carol.request("{\"type\":\"hello\",\"v\":1,\"user\":\"carol\"}");
            carol.request("{\"type\":\"join\",\"room\":\"archive\"}");
            for (int i = 1; i <= count; i++) {
                JsonNode published = carol.request("{\"type\":\"publish\",\"room\":\"archive\",\"body\":\"old " + i + "\",\"cid\":\"c-" + i + "\"}");
                assertThat(published.get("type").asText()).isEqualTo("published");
            }
        }
        enter(alice, "archive");
        waitOn(alice).until(d -> bodies(d).contains("old " + count));
        assertThat(bodies(alice)).doesNotContain("old 1");

        List<String> all = IntStream.rangeClosed(1, count).mapToObj(i -> "old " + i).toList();
        waitOn(alice).until(d -> {
            script(d, "document.getElementById('scroller').scrollTop = 0;");
            return bodies(d).equals(all);
        });
        awaitText(alice, "history-state", "the beginning of #archive");
    }

    @Test
    void markupInMessages_rendersAsText_andRunsNothing() {
        enter(alice, "markup");
        enter(bob, "markup");
        String img = "<img src=x onerror=\"window.pwned=1;alert(1)\">";
        String scriptTag = "<script>window.pwned=2</script>";
        String plain = "<img src=x onerror=alert(1)>";
        say(alice, img);
        say(alice, scriptTag);
        say(alice, plain);
        awaitBodies(bob, List.of(img, scriptTag, plain));
        for (WebDriver driver : new WebDriver[] {alice, bob}) {
            assertThat(driver.findElements(By.cssSelector("#messages img, #messages script"))).isEmpty();
            assertThat(script(driver, "return window.pwned === undefined;")).isEqualTo(true);
            assertNoAlert(driver);
        }
    }

    @Test
    void anImageAttachedInOnePage_showsInlineInTheOther_fromOurOwnOrigin_andADocumentAsALink() throws Exception {
        enter(alice, "photos");
        enter(bob, "photos");
        Path image = temp.resolve("sunset.png");
        Files.write(image, UploadsIT.png(40, 30));
        alice.findElement(By.id("attach")).sendKeys(image.toString());
        awaitBodies(bob, List.of("sunset.png"));
        // Loaded, not just present: the CSP (img-src 'self') and the served type let it decode.
        waitOn(bob).until(d -> Long.valueOf(40).equals(script(d,
                "const i = document.querySelector('#messages li.msg .attachment img');"
                        + "return i && i.complete ? i.naturalWidth : null;")));
        assertThat(script(bob, "const i = document.querySelector('#messages li.msg .attachment img');"
                + "const u = new URL(i.src); return u.origin === location.origin && u.pathname.startsWith('/uploads/');"))
                .isEqualTo(true);
        assertThat(bob.findElement(By.cssSelector("#messages .attachment img")).getAttribute("alt")).isEqualTo("sunset.png");

        Path notes = temp.resolve("notes.txt");
        Files.writeString(notes, "agenda: 1. photos\n");
        alice.findElement(By.id("attach")).sendKeys(notes.toString());
        awaitBodies(bob, List.of("sunset.png", "notes.txt"));
        WebElement link = message(bob, "notes.txt").findElement(By.cssSelector(".body a"));
        assertThat(link.getAttribute("href")).startsWith("http://127.0.0.1:" + httpPort + "/uploads/").endsWith(".txt");
        assertThat(link.getAttribute("download")).isEqualTo("notes.txt");
        assertThat(message(bob, "notes.txt").findElements(By.tagName("img"))).isEmpty();
        saveScreenshot(bob, "web-chat-attachments.png"); // under target/ only, for a look at how files show

        // Text that calls itself an image is refused by the server, and the page says so.
        Path fake = temp.resolve("fake.png");
        Files.writeString(fake, "not an image");
        alice.findElement(By.id("attach")).sendKeys(fake.toString());
        awaitTextContains(alice, "compose-error", "Not sent: fake.png: only images, PDF and text files can be shared");
        assertThat(bodies(bob)).containsExactly("sunset.png", "notes.txt");
    }

    @Test
    void switchingRoomsBackAndForth_eachRoomShowsExactlyItsOwnMessages() {
        enter(alice, "red");
        enter(alice, "blue");
        enter(bob, "red");
        enter(bob, "blue");
        List<String> red = new ArrayList<>();
        List<String> blue = new ArrayList<>();
        for (int round = 1; round <= 3; round++) {
            show(alice, "red");
            awaitBodies(alice, red);
            // Written while alice looks at red: blue's must not appear here, and must wait for her there.
            show(bob, "blue");
            say(bob, "blue " + round);
            blue.add("blue " + round);
            awaitBodies(bob, blue);
            if (round == 1) {
                awaitUnread(alice, "blue", "1");
            }
            show(bob, "red");
            say(bob, "red " + round);
            red.add("red " + round);
            awaitBodies(alice, red);

            show(alice, "blue");
            awaitBodies(alice, blue);
            assertThat(alice.findElement(By.cssSelector("#rooms button[data-room='blue'] .unread")).getText()).isEmpty();
        }
        show(alice, "red");
        awaitBodies(alice, red);

        // A reload keeps the user signed in, in the rooms joined, on the room shown.
        alice.navigate().refresh();
        awaitText(alice, "conn", "connected as alice");
        awaitText(alice, "room-title", "#red");
        awaitBodies(alice, red);
        show(alice, "blue");
        awaitBodies(alice, blue);
    }

    @Test
    void serverKilledAndRestarted_bothPagesResume_withNoDuplicateAndNoLoss() throws Exception {
        enter(alice, "durable");
        enter(bob, "durable");
        say(alice, "before 1");
        say(bob, "before 2");
        awaitBodies(alice, List.of("before 1", "before 2"));
        awaitBodies(bob, List.of("before 1", "before 2"));

        server.close(); // SIGKILL: no bye, the pages just lose the socket
        awaitTextContains(alice, "conn", "reconnecting");
        awaitTextContains(bob, "conn", "reconnecting");
        // Sent while the server is down: it waits in the page and goes out with its cid later.
        say(alice, "while down");

        server = startServer();
        awaitText(alice, "conn", "connected as alice");
        awaitText(bob, "conn", "connected as bob");
        awaitBodies(bob, List.of("before 1", "before 2", "while down"));
        awaitBodies(alice, List.of("before 1", "before 2", "while down"));
        say(bob, "after");
        List<String> all = List.of("before 1", "before 2", "while down", "after");
        awaitBodies(alice, all);
        awaitBodies(bob, all);
        assertThat(alice.findElements(By.cssSelector("#messages li.pending"))).isEmpty();
    }

    @Test
    void thePage_hasNoSeriousAccessibilityViolation_atDesktopAndPhoneWidth_andSendsACsp() throws Exception {
        HttpResponse<String> page = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertThat(csp).contains("default-src 'self'", "script-src 'self'", "connect-src 'self' ws://127.0.0.1:" + wsPort);
        assertThat(csp).doesNotContain("unsafe-inline", "unsafe-eval", "*");

        enter(alice, "tour");
        enter(bob, "tour");
        say(bob, "welcome to the tour");
        say(alice, "thanks, looks good");
        message(alice, "welcome to the tour").findElement(By.cssSelector("button[aria-label='React with party']")).click();
        awaitBodies(alice, List.of("welcome to the tour", "thanks, looks good"));
        waitOn(alice).until(d -> !d.findElements(By.cssSelector("#messages .reactions button")).isEmpty());

        assertThat(seriousViolations(alice)).isEmpty();
        saveScreenshot(alice, "web-chat.png");

        // Keyboard: from the first link of the page, Tab reaches a room in the list and the message box.
        script(alice, "document.querySelector('a.skip').focus();");
        List<String> reached = new ArrayList<>();
        for (int i = 0; i < 80 && !reached.contains("text"); i++) {
            alice.switchTo().activeElement().sendKeys(Keys.TAB);
            reached.add(String.valueOf(script(alice,
                    "const e = document.activeElement; return e.dataset.room ? 'room:' + e.dataset.room : e.id;")));
        }
        assertThat(reached).contains("room:tour", "text");

        alice.manage().window().setSize(new Dimension(390, 844));
        try {
            waitOn(alice).until(d -> d.findElement(By.id("toggle-rooms")).isDisplayed());
            assertThat(seriousViolations(alice)).isEmpty();
            assertThat(script(alice, "return document.documentElement.scrollWidth <= window.innerWidth;")).isEqualTo(true);
            saveScreenshot(alice, "web-chat-phone.png");
            alice.findElement(By.id("toggle-rooms")).click();
            waitOn(alice).until(d -> d.findElement(By.id("rooms-panel")).isDisplayed());
            alice.findElement(By.cssSelector("#rooms button[data-room='lobby']")).click();
            awaitText(alice, "room-title", "#lobby");
        } finally {
            alice.manage().window().setSize(new Dimension(1100, 720));
        }
    }

    @Test
    void rateLimitedMessages_goOutAgainInOrder_andARefusedOneStaysInTheBoxWithTheReason() throws Exception {
        int slowWs = freePort();
        int slowHttp = freePort();
        try (ServerProcess slow = ServerProcess.start("--ws-port", String.valueOf(slowWs), "--http-port", String.valueOf(slowHttp),
                "--data", temp.resolve("slow").toString(), "--publish-rate", "2", "--publish-burst", "2", "--max-body-bytes", "64")) {
            WebDriver carol = browser("carol");
            try {
                signIn(carol, "carol", slowHttp);
                enter(carol, "slow");
                List<String> sent = IntStream.rangeClosed(1, 6).mapToObj(i -> "quick " + i).toList();
                sent.forEach(text -> say(carol, text));
                awaitBodies(carol, sent);
                assertThat(carol.findElement(By.id("compose-error")).getText()).isEmpty();

                String tooLong = "x".repeat(100);
                say(carol, tooLong);
                awaitText(carol, "compose-error", "Not sent: the message is too long (MESSAGE_TOO_LARGE)");
                assertThat(carol.findElement(By.id("text")).getAttribute("value")).isEqualTo(tooLong);
                assertThat(bodies(carol)).isEqualTo(sent);
            } finally {
                carol.quit();
            }
        }
    }

    // ------------------------------------------------------------ helpers

    private ServerProcess startServer() throws IOException, InterruptedException {
        return ServerProcess.start("--ws-port", String.valueOf(wsPort), "--http-port", String.valueOf(httpPort),
                "--data", temp.resolve("data").toString(), "--publish-rate", "1000", "--publish-burst", "1000");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private WebDriver browser(String name) throws IOException {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1100,720",
                "--user-data-dir=" + Files.createDirectories(temp.resolve("chromium-" + name)));
        // The driver path is given, so Selenium never looks for (or downloads) one.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    private void signIn(WebDriver driver, String user) {
        signIn(driver, user, httpPort);
    }

    private static void signIn(WebDriver driver, String user, int httpPort) {
        driver.get("http://127.0.0.1:" + httpPort + "/");
        driver.findElement(By.id("signin-user")).sendKeys(user, Keys.ENTER);
        awaitText(driver, "conn", "connected as " + user);
    }

    /** Joins (creating if need be) and shows a room, through the page's own form. */
    private static void enter(WebDriver driver, String room) {
        driver.findElement(By.id("create-name")).sendKeys(room, Keys.ENTER);
        awaitText(driver, "room-title", "#" + room);
        waitOn(driver).until(d -> d.findElement(By.id("text")).isEnabled()
                && !d.findElement(By.id("history-state")).getText().isEmpty());
    }

    private static void show(WebDriver driver, String room) {
        driver.findElement(By.cssSelector("#rooms button[data-room='" + room + "']")).click();
        awaitText(driver, "room-title", "#" + room);
    }

    private static void say(WebDriver driver, String text) {
        driver.findElement(By.id("text")).sendKeys(text, Keys.ENTER);
    }

    private static void clearBox(WebDriver driver) {
        WebElement box = driver.findElement(By.id("text"));
        while (!box.getAttribute("value").isEmpty()) {
            box.sendKeys(Keys.BACK_SPACE);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> bodies(WebDriver driver) {
        return (List<String>) script(driver,
                "return [...document.querySelectorAll('#messages li.msg:not(.pending) .body')].map(e => e.textContent);");
    }

    private static void awaitBodies(WebDriver driver, List<String> expected) {
        List<String> last = new ArrayList<>();
        try {
            waitOn(driver).until(d -> {
                last.clear();
                last.addAll(bodies(d));
                return last.equals(expected);
            });
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("expected messages " + expected + " but the page shows " + last, e);
        }
    }

    private static WebElement message(WebDriver driver, String body) {
        return waitOn(driver).until(d -> {
            for (WebElement li : d.findElements(By.cssSelector("#messages li.msg:not(.pending)"))) {
                if (li.findElement(By.className("body")).getText().equals(body)) {
                    return li;
                }
            }
            return null;
        });
    }

    private static void awaitText(WebDriver driver, String id, String text) {
        awaitElementText(driver, id, t -> t.equals(text), "'" + text + "'");
    }

    private static void awaitTextContains(WebDriver driver, String id, String part) {
        awaitElementText(driver, id, t -> t.contains(part), "containing '" + part + "'");
    }

    private static void awaitElementText(WebDriver driver, String id, Function<String, Boolean> ok, String what) {
        String[] last = {""};
        try {
            waitOn(driver).until(d -> {
                last[0] = d.findElement(By.id(id)).getText();
                return ok.apply(last[0]);
            });
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("#" + id + " should be " + what + " but is '" + last[0] + "'", e);
        }
    }

    private static void awaitUnread(WebDriver driver, String room, String count) {
        waitOn(driver).until(d -> d.findElement(By.cssSelector("#rooms button[data-room='" + room + "'] .unread"))
                .getText().equals(count));
    }

    private static void assertNoAlert(WebDriver driver) {
        try {
            driver.switchTo().alert();
            throw new AssertionError("an alert opened: markup in a message ran");
        } catch (NoAlertPresentException expected) {
            // nothing ran
        }
    }

    private static Object script(WebDriver driver, String source) {
        return ((JavascriptExecutor) driver).executeScript(source);
    }

    /** axe-core's rules on the page as it is now; only serious and critical findings count. */
    private static List<String> seriousViolations(WebDriver driver) throws IOException {
        String axe;
        try (InputStream in = BrowserChatIT.class.getResourceAsStream("/axe.min.js")) {
            assertThat(in).as("axe.min.js of com.deque.html.axe-core:selenium on the test class path").isNotNull();
            axe = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        script(driver, axe);
        Object result = ((JavascriptExecutor) driver).executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "axe.run(document, {resultTypes: ['violations']})"
                        + ".then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify({error: String(e)})));");
        JsonNode violations = JSON.readTree(String.valueOf(result));
        assertThat(violations.has("error")).as("axe ran: %s", violations).isFalse();
        List<String> serious = new ArrayList<>();
        for (JsonNode v : violations) {
            String line = v.path("impact").asText() + " " + v.path("id").asText() + ": " + v.path("help").asText()
                    + " (" + v.path("nodes").size() + " elements, first " + v.path("nodes").path(0).path("target") + ")";
            log.info("axe: {}", line);
            if (v.path("impact").asText().equals("serious") || v.path("impact").asText().equals("critical")) {
                serious.add(line);
            }
        }
        return serious;
    }

    private static void saveScreenshot(WebDriver driver, String name) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "screenshots"));
            File shot = ((ChromeDriver) driver).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), dir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            log.info("screenshot saved to {}", dir.resolve(name).toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
