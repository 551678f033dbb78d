package io.batchcall.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.Browser;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;

/**
 * The controls of a running batch in a real headless Chromium against the whole app: pause and resume, edit, add
 * recipients from a file, cancel one recipient, and the workspace's emergency stop. The batches are scheduled for
 * tomorrow so that nothing dials while the test clicks: what changes on screen is what the operator did.
 */
class BatchControlsBrowserTest {
    private static TestServer server;
    private static Browser browser;
    private static String agentId;
    private static String baseUrl;

    @RegisterExtension
    static final TestWatcher SCREENSHOT_ON_FAILURE = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (browser != null) {
                browser.screenshot("failed-" + context.getRequiredTestMethod().getName());
            }
        }
    };

    @BeforeAll
    static void start() {
        var installed = Browser.installed();
        if (installed.isEmpty() && System.getenv("CI") == null) {
            Assumptions.abort("Browser tests skipped: chromium and chromedriver are not on the PATH"
                    + " (apt-get install -y chromium chromium-driver)");
        }
        assertThat(installed)
                .as("chromium and chromedriver on the PATH (CI installs them)")
                .isPresent();
        server = TestServer.start();
        baseUrl = "http://127.0.0.1:" + server.port() + "/";
        var fixtures = new Fixtures(server);
        agentId = fixtures.agent(TestServer.API_KEY, "Controls agent");
        fixtures.phoneNumber(TestServer.API_KEY, agentId);
        browser = Browser.start(installed.get().getKey(), installed.get().getValue());
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static void open(String hash) {
        browser.open("about:blank");
        browser.open(baseUrl + hash);
        browser.until(
                d -> d.findElement(By.id("top")).isDisplayed()
                                || d.findElements(By.id("api-key")).stream().anyMatch(input -> input.isDisplayed())
                        ? true
                        : null,
                "the sign-in form or a page");
        if (!browser.driver().findElement(By.id("top")).isDisplayed()) {
            browser.type("#api-key", TestServer.API_KEY);
            browser.click("#sign-in");
            browser.find("#sign-out");
        }
    }

    /** A batch of {@code size} recipients (+14155550000 onwards) that starts tomorrow. */
    private static String scheduledBatch(String name, int size) {
        var recipients = IntStream.range(0, size)
                .mapToObj(i -> "{\"phone_number\":\"+1415555" + String.format("%04d", i) + "\"}")
                .collect(Collectors.joining(",", "[", "]"));
        long tomorrow = Instant.now().getEpochSecond() + 86_400;
        var response = server.client()
                .post(
                        "/v1/convai/batch-calling/submit",
                        "{\"call_name\":\"" + name
                                + "\",\"agent_id\":\"" + agentId + "\",\"recipients\":" + recipients
                                + ",\"scheduled_time_unix\":"
                                + tomorrow + "}");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("id").asText();
    }

    private static JsonNode batch(String id) {
        var response = server.client().get("/v1/convai/batch-calling/" + id);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    private static void awaitGone(String id) {
        browser.until(
                d -> d.findElements(By.id(id)).stream().noneMatch(e -> e.isDisplayed()) ? true : null,
                "#" + id + " gone");
    }

    @Test
    void a_paused_batch_shows_a_paused_badge_in_the_list_and_on_its_page_until_it_is_resumed() {
        var id = scheduledBatch("Pause me", 3);
        open("#/batches/" + id);

        browser.click("#pause-batch");

        browser.waitForText("#batch-paused-badge", "paused");
        browser.waitForText("#batch-paused", "Paused since");
        assertThat(browser.text("#batch-status"))
                .as("EL's status keeps its values")
                .contains("pending");
        var paused = batch(id);
        assertThat(paused.get("paused").asBoolean()).isTrue();
        assertThat(paused.get("paused_at_unix").asLong()).isPositive();
        browser.screenshot("batch-paused");
        open("#/batches");
        browser.waitForText("tr[data-batch-id=" + id + "]", "paused");
        assertThat(browser.text("tr[data-batch-id=" + id + "]")).contains("since");
        browser.screenshot("batches-with-a-paused-one");

        browser.click("tr[data-batch-id=" + id + "] a");
        browser.click("#resume-batch");

        browser.find("#pause-batch");
        awaitGone("batch-paused");
        assertThat(browser.all("#batch-paused-badge .badge"))
                .as("the paused badge")
                .isEmpty();
        assertThat(batch(id).get("paused").asBoolean()).isFalse();
        open("#/batches");
        browser.waitForText("tr[data-batch-id=" + id + "]", "Pause me");
        assertThat(browser.text("tr[data-batch-id=" + id + "]")).doesNotContain("paused");
    }

    @Test
    void editing_a_batchs_name_and_concurrency_shows_the_new_values_on_its_page_and_in_the_api() {
        var id = scheduledBatch("Old name", 2);
        open("#/batches/" + id);

        browser.click("#edit-batch");
        browser.type("#edit-name", "New name");
        browser.type("#edit-concurrency", "7");
        browser.type("#edit-ringing", "25");
        browser.screenshot("batch-edit");
        browser.click("#save-edit");

        browser.waitForText("h1", "New name");
        browser.waitForText("#summary-ringing", "25 s");
        assertThat(browser.text("#summary-concurrency")).isEqualTo("7");
        var stored = batch(id);
        assertThat(stored.get("name").asText()).isEqualTo("New name");
        assertThat(stored.get("target_concurrency_limit").asInt()).isEqualTo(7);
        assertThat(stored.at("/telephony_call_config/ringing_timeout_secs").asInt())
                .isEqualTo(25);
    }

    @Test
    void a_batch_not_yet_started_is_rescheduled_at_a_wall_clock_time_in_its_own_time_zone() {
        long tomorrow = Instant.now().getEpochSecond() + 86_400;
        var response = server.client()
                .post(
                        "/v1/convai/batch-calling/submit",
                        "{\"call_name\":\"Tokyo later\","
                                + "\"agent_id\":\"" + agentId
                                + "\",\"recipients\":[{\"phone_number\":\"+14155550000\"}],"
                                + "\"scheduled_time_unix\":" + tomorrow + ",\"timezone\":\"Asia/Tokyo\"}");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        var id = response.json().get("id").asText();
        open("#/batches/" + id);

        browser.click("#edit-batch");
        browser.waitForText("dialog[open] label[for=edit-schedule]", "Asia/Tokyo");
        // Typing into a datetime-local field depends on the browser's locale; its value is the same everywhere.
        ((JavascriptExecutor) browser.driver())
                .executeScript("arguments[0].value = '2030-01-02T09:30'", browser.find("#edit-schedule"));
        browser.click("#save-edit");

        browser.waitForText("#batch-summary", "2030");
        long expected = LocalDateTime.of(2030, 1, 2, 9, 30)
                .atZone(ZoneId.of("Asia/Tokyo"))
                .toEpochSecond();
        assertThat(batch(id).get("scheduled_time_unix").asLong()).isEqualTo(expected);
        assertThat(batch(id).get("name").asText())
                .as("only the schedule was sent")
                .isEqualTo("Tokyo later");
    }

    @Test
    void recipients_added_from_a_csv_file_grow_the_total_and_a_refused_row_shows_its_error() throws IOException {
        var id = scheduledBatch("Growing", 2);
        var file = Files.writeString(
                Files.createTempFile("more", ".csv"),
                "phone_number,name\n+14155550100,Ada\n12345,Bad\n+14155550101,Bob\n");
        open("#/batches/" + id);
        browser.waitForText("#count-scheduled", "2");

        browser.click("#add-recipients");
        browser.find("#add-recipients-file").sendKeys(file.toAbsolutePath().toString());
        browser.waitForText("#validation-summary", "3 rows: 2 ready, 1 with problems");
        assertThat(browser.all("#row-errors tbody tr"))
                .extracting(r -> r.getAttribute("data-row"))
                .containsExactly("3");
        assertThat(browser.find("#add-recipients-submit").isEnabled()).isFalse();
        browser.click("#drop-bad-rows");
        browser.waitForText("#add-recipients-submit", "Add 2 recipients");
        browser.click("#add-recipients-submit");

        browser.waitForText("#count-scheduled", "4");
        browser.waitForText("#batch-messages", "Added 2 recipients");
        assertThat(batch(id).get("total_calls_scheduled").asInt()).isEqualTo(4);
        assertThat(browser.text("#recipient-table")).contains("+14155550100", "+14155550101");

        // The file checker cannot know the batch's numbers: the server refuses the duplicate, by the file's row.
        var duplicate = Files.writeString(
                Files.createTempFile("dup", ".csv"), "phone_number,name\n+14155550102,Cy\n+14155550000,Again\n");
        browser.click("#add-recipients");
        browser.find("#add-recipients-file").sendKeys(duplicate.toAbsolutePath().toString());
        browser.waitForText("#validation-summary", "2 rows: 2 ready, 0 with problems");
        browser.click("#add-recipients-submit");

        browser.waitForText("#append-errors tr[data-row='3']", "+14155550000");
        assertThat(browser.find("#add-recipients-result [role=alert]").getText())
                .isNotBlank();
        browser.screenshot("add-recipients-refused");
        assertThat(batch(id).get("total_calls_scheduled").asInt()).isEqualTo(4);
    }

    @Test
    void a_held_recipient_shows_why_it_waits_and_when_and_the_batch_when_its_next_window_opens() {
        var id = scheduledBatch("Held", 2);
        var recipients = batch(id).get("recipients");
        var retrying = recipients.get(0).get("id").asText();
        var windowed = recipients.get(1).get("id").asText();
        long now = Instant.now().getEpochSecond();
        long opens = now + 3 * 3600 + 12 * 60 + 30;
        var fixtures = new Fixtures(server);
        fixtures.execute(
                "UPDATE recipients SET hold_reason = 'retry_backoff', last_outcome = 'busy', attempt_count = 1,"
                        + " next_attempt_at = to_timestamp(:at) WHERE batch_id = :b AND id = :r",
                java.util.Map.of("b", id, "r", retrying, "at", now + 10 * 60 + 30));
        fixtures.execute(
                "UPDATE recipients SET hold_reason = 'outside_window', timezone = 'America/Chicago',"
                        + " next_attempt_at = to_timestamp(:at) WHERE batch_id = :b AND id = :r",
                java.util.Map.of("b", id, "r", windowed, "at", opens));
        var chicago = Instant.ofEpochSecond(opens)
                .atZone(ZoneId.of("America/Chicago"))
                .toLocalTime()
                .format(java.time.format.DateTimeFormatter.ofPattern("HH:mm"));

        open("#/batches/" + id);

        browser.waitForText(
                "tr[data-recipient-id='" + windowed + "']",
                "waiting for calling window: opens " + chicago + " in America/Chicago (in 3 h 12 min)");
        assertThat(browser.text("tr[data-recipient-id='" + retrying + "']"))
                .contains("retrying after busy at ")
                .contains("(in 10 min)");
        assertThat(browser.text("#next-window")).contains("(in 3 h 12 min)");
        assertThat(browser.text("#waiting-recipients")).contains("2 held");
        browser.screenshot("held-recipients");
    }

    @Test
    void cancelling_one_recipient_shows_its_row_cancelled_and_leaves_the_others_pending() {
        var id = scheduledBatch("Cancel one", 3);
        var recipients = batch(id).get("recipients");
        var cancelled = recipients.get(1).get("id").asText();
        var kept = recipients.get(0).get("id").asText();
        open("#/batches/" + id);

        browser.click("tr[data-recipient-id='" + cancelled + "'] .cancel-recipient");
        browser.waitForText("dialog[open]", "Cancel the call to +14155550001?");
        browser.click("#confirm-ok");

        browser.waitForText("tr[data-recipient-id='" + cancelled + "']", "cancelled");
        assertThat(browser.all("tr[data-recipient-id='" + cancelled + "'] .cancel-recipient"))
                .isEmpty();
        assertThat(browser.text("tr[data-recipient-id='" + kept + "']")).contains("pending");
        var stored = batch(id).get("recipients");
        assertThat(stored.findValuesAsText("status")).containsExactly("pending", "cancelled", "pending");
        browser.screenshot("recipient-cancelled");
    }

    @Test
    void a_control_the_server_refuses_shows_the_servers_reason_and_the_page_catches_up() {
        var id = scheduledBatch("Cancelled elsewhere", 2);
        open("#/batches/" + id);
        browser.find("#pause-batch");
        // Another operator (or a script) cancels it while this page still offers Pause.
        assertThat(server.client()
                        .postEmpty("/v1/convai/batch-calling/" + id + "/cancel")
                        .status())
                .isEqualTo(200);

        browser.click("#pause-batch");

        browser.waitForText("#batch-messages [role=alert]", "The batch has already finished (cancelled)");
        browser.waitForText("#batch-status", "cancelled");
        assertThat(browser.all("#pause-batch")).isEmpty();
        assertThat(browser.all("#edit-batch")).isEmpty();
        assertThat(batch(id).get("paused").asBoolean()).isFalse();
    }

    @Test
    void the_emergency_stop_shows_a_banner_on_every_page_until_dialing_is_resumed() {
        try {
            open("#/batches");
            browser.waitForText("#dispatch-toggle", "Stop all dialing");

            browser.click("#dispatch-toggle");
            browser.waitForText("dialog[open]", "Stop all dialing?");
            browser.click("#confirm-ok");

            browser.waitForText("#dispatch-banner", "Dialing is stopped for the whole workspace");
            assertThat(server.client()
                            .get("/v1/batchcall/workspace")
                            .json()
                            .get("dispatch_paused")
                            .asBoolean())
                    .isTrue();
            browser.screenshot("dispatch-stopped");
            for (var page : new String[] {"#/agents", "#/batches/new", "#/webhooks"}) {
                open(page);
                browser.waitForText("#dispatch-banner", "Dialing is stopped");
            }

            browser.click("#dispatch-resume");
            browser.waitForText("dialog[open]", "Resume dialing?");
            browser.click("#confirm-ok");

            awaitGone("dispatch-banner");
            browser.waitForText("#dispatch-toggle", "Stop all dialing");
            assertThat(server.client()
                            .get("/v1/batchcall/workspace")
                            .json()
                            .get("dispatch_paused")
                            .asBoolean())
                    .isFalse();
            open("#/batches");
            browser.find("#dispatch-toggle");
            assertThat(browser.driver().findElement(By.id("dispatch-banner")).isDisplayed())
                    .isFalse();
        } finally {
            // The other tests' batches must not see a stopped workspace, whatever happened above.
            server.client().patch("/v1/batchcall/workspace", "{\"dispatch_paused\":false}");
        }
    }
}
