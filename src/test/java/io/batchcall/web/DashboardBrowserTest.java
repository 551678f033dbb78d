package io.batchcall.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Browser;
import io.batchcall.support.Fixtures;
import io.batchcall.support.Receiver;
import io.batchcall.support.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
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
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;

/**
 * The dashboard in a real headless Chromium against the whole app with the simulator: what an operator does, click
 * by click. Screenshots of every page go to {@code target/screenshots}. Without chromium and chromedriver the
 * suite is skipped locally, never in CI ({@code .ci/run} installs them).
 */
class DashboardBrowserTest {
    private static TestServer server;
    private static Browser browser;
    private static String agentId;
    private static String baseUrl;

    /** A screenshot of the page a failing test ended on, beside the others. */
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
        agentId = fixtures.agent(TestServer.API_KEY, "Reminder agent");
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

    /** Opens a page of the dashboard, signing in first when the tab is not signed in. */
    private static void open(String hash) {
        // A real load each time, even to the page already shown: no state (or open dialog) leaks between tests.
        browser.open("about:blank");
        browser.open(baseUrl + hash);
        awaitSignInOrPage();
        if (!browser.driver().findElement(By.id("top")).isDisplayed()) {
            browser.type("#api-key", TestServer.API_KEY);
            browser.click("#sign-in");
            browser.find("#sign-out");
        }
    }

    /** Waits for the app to show either the sign-in form or, signed in, the header and a page. */
    private static void awaitSignInOrPage() {
        browser.until(
                d -> d.findElement(By.id("top")).isDisplayed()
                                || d.findElements(By.id("api-key")).stream().anyMatch(input -> input.isDisplayed())
                        ? true
                        : null,
                "the sign-in form or a page");
    }

    private static String submit(String name, String recipients, String extra) {
        var response = server.client()
                .post(
                        "/v1/convai/batch-calling/submit",
                        "{\"call_name\":\"" + name + "\",\"agent_id\":\"" + agentId + "\",\"recipients\":" + recipients
                                + extra + "}");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("id").asText();
    }

    private static String recipients(List<String> outcomes) {
        return IntStream.range(0, outcomes.size())
                .mapToObj(i -> "{\"phone_number\":\"+1415555" + String.format("%04d", i)
                        + "\",\"conversation_initiation_client_data\":{\"dynamic_variables\":{\"name\":\"person-" + i
                        + "\",\"sim_outcome\":\"" + outcomes.get(i) + "\"}}}")
                .collect(Collectors.joining(",", "[", "]"));
    }

    private static void awaitFinished(String expectedStatus) {
        browser.waitForText("#batch-status", expectedStatus);
        browser.until(
                d -> "100"
                        .equals(d.findElement(By.cssSelector("#batch-progress [role=progressbar]"))
                                .getAttribute("aria-valuenow")),
                "the progress bar at 100%");
    }

    private static int outcome(String key) {
        return Integer.parseInt(browser.text("[data-outcome=" + key + "] b").replace(",", ""));
    }

    @Test
    void a_wrong_api_key_shows_a_clear_error_and_the_right_one_signs_in() {
        browser.open(baseUrl);
        awaitSignInOrPage();
        if (browser.driver().findElement(By.id("top")).isDisplayed()) {
            browser.click("#sign-out");
        }
        browser.type("#api-key", "bc_not_a_key_of_this_server_000");
        browser.click("#sign-in");

        browser.waitForText(".signin [role=alert]", "That API key was not accepted");
        browser.screenshot("sign-in-wrong-key");
        browser.type("#api-key", TestServer.API_KEY);
        browser.click("#sign-in");

        browser.find("#batch-list");
        assertThat(browser.text("#workspace-name")).startsWith("Workspace:");
        browser.screenshot("batches");
    }

    @Test
    void an_exotel_number_is_added_with_its_credentials_flow_and_agent_stream_choice_in_the_browser() {
        open("#/phone-numbers");
        browser.click("#new-number");
        new org.openqa.selenium.support.ui.Select(browser.find("#number-provider")).selectByValue("exotel");
        browser.type("#number-phone", "+91 80 4711 2233");
        browser.type("#number-label", "Mumbai line");
        browser.type("#number-account_sid", "acme1");
        browser.type("#number-api_key", "exotel-key");
        browser.type("#number-api_token", "exotel-token");
        browser.type("#number-api_subdomain", "api.in.exotel.com");
        browser.type("#number-app_id", "4242");
        browser.click("#number-agent_stream");
        browser.screenshot("exotel-number-form");
        browser.click("#save-number");

        browser.waitForText("#number-table", "+918047112233");
        assertThat(browser.text("#number-table")).contains("Mumbai line", "exotel");
        var stored =
                server.client().get("/v1/convai/phone-numbers?provider=exotel").json();
        assertThat(stored).hasSize(1);
        assertThat(stored.get(0).get("agent_stream").asBoolean()).isTrue();
    }

    @Test
    void an_agent_and_a_simulator_number_are_created_edited_and_listed_in_the_browser() {
        open("#/agents");
        browser.click("#new-agent");
        browser.type("#agent-name", "Survey agent");
        browser.type("#agent-first-message", "Hi {{name}}, a quick survey?");
        browser.click("#save-agent");
        browser.waitForText("#agent-table", "Survey agent");
        browser.screenshot("agents");

        open("#/phone-numbers");
        browser.click("#new-number");
        browser.type("#number-phone", "+1 415 555 2671");
        browser.type("#number-label", "Survey line");
        new org.openqa.selenium.support.ui.Select(browser.find("#number-agent")).selectByVisibleText("Survey agent");
        browser.screenshot("phone-number-form");
        browser.click("#save-number");

        browser.waitForText("#number-table", "+14155552671");
        assertThat(browser.text("#number-table")).contains("Survey line", "simulator", "Survey agent");
        browser.screenshot("phone-numbers");
    }

    @Test
    void a_50_row_csv_with_2_bad_rows_reports_exactly_them_and_the_rest_run_to_100_percent_live() throws IOException {
        var csv = new StringBuilder("phone_number,name,sim_outcome\n");
        for (int i = 0; i < 50; i++) {
            String number =
                    i == 9 ? "12345" : i == 29 ? "+1 415 555 0101" : "+1415555" + String.format("%04d", 100 + i);
            csv.append(number)
                    .append(",Person ")
                    .append(i)
                    .append(',')
                    .append(i % 10 == 3 ? "busy" : "completed")
                    .append('\n');
        }
        var file = Files.writeString(Files.createTempFile("recipients", ".csv"), csv);
        open("#/batches/new");
        browser.type("#batch-name", "Reminders");
        browser.find("#recipients-file").sendKeys(file.toAbsolutePath().toString());

        browser.waitForText("#validation-summary", "50 rows: 48 ready, 2 with problems");
        var badRows = browser.all("#row-errors tbody tr").stream()
                .map(r -> r.getAttribute("data-row"))
                .toList();
        assertThat(badRows).containsExactly("11", "31");
        assertThat(browser.text("#row-errors")).contains("12345", "Duplicate: row 3");
        assertThat(browser.find("#submit-batch").isEnabled()).isFalse();
        browser.screenshot("new-batch-preview");
        browser.click("#drop-bad-rows");
        browser.waitForText("#submit-batch", "Create batch with 48 recipients");
        browser.click("#submit-batch");

        awaitFinished("completed");
        assertThat(browser.text("#count-finished")).isEqualTo("48");
        assertThat(outcome("completed")).isEqualTo(43);
        assertThat(outcome("busy")).isEqualTo(5);
        browser.screenshot("batch-finished");
        browser.driver().manage().window().setSize(new Dimension(390, 844));
        browser.screenshot("batch-finished-phone");
        browser.driver().manage().window().setSize(new Dimension(1280, 900));
    }

    @Test
    void retrying_says_how_many_recipients_it_redials_and_shows_each_recipients_attempts() {
        var id = submit("Retry me", recipients(List.of("completed", "busy", "no_answer", "completed")), "");
        open("#/batches/" + id);
        awaitFinished("completed");

        browser.click("#retry-batch");
        browser.waitForText("dialog[open]", "This will re-dial 2 recipients");
        browser.screenshot("retry-confirmation");
        browser.click("#confirm-ok");

        browser.waitForText("#count-retries", "1");
        awaitFinished("completed");
        browser.until(d -> browser.text("#recipient-table").contains("2") ? true : null, "two attempts shown");
        browser.click("tr[data-recipient-id]:nth-child(2)");
        browser.until(d -> browser.all("#attempt-table tbody tr").size() == 2 ? true : null, "two attempts listed");
        assertThat(browser.text("#attempt-table")).contains("busy");
        browser.screenshot("recipient-attempts");
    }

    @Test
    void the_exported_csv_has_a_row_per_recipient_with_its_outcome() throws IOException {
        var id = submit("Export me", recipients(List.of("completed", "voicemail", "busy")), "");
        open("#/batches/" + id);
        awaitFinished("completed");

        browser.click("#export-batch");

        var file = browser.downloads().resolve(id + ".csv");
        browser.until(d -> Files.exists(file) ? true : null, "the export downloaded");
        var lines = Files.readAllLines(file);
        assertThat(lines).hasSize(4);
        assertThat(lines.getFirst())
                .startsWith("id,phone_number,whatsapp_user_id,status,conversation_id,attempt_count," + "last_outcome");
        assertThat(lines.subList(1, 4))
                .extracting(line -> line.split(",")[1] + " " + line.split(",")[6])
                .containsExactly("+14155550000 completed", "+14155550001 voicemail", "+14155550002 busy");
    }

    @Test
    void a_scheduled_batch_shows_its_time_in_its_timezone_and_is_cancelled_from_its_page() {
        long tomorrow = Instant.now().getEpochSecond() + 86_400;
        var id = submit(
                "Tomorrow in Tokyo",
                recipients(List.of("completed", "completed")),
                ",\"scheduled_time_unix\":" + tomorrow + ",\"timezone\":\"Asia/Tokyo\"");
        open("#/batches");
        browser.waitForText("tr[data-batch-id=" + id + "]", "GMT+9");

        browser.click("tr[data-batch-id=" + id + "] a");
        browser.click("#cancel-batch");
        browser.waitForText("dialog[open]", "2 recipients not yet finished will not be called");
        browser.click("#confirm-ok");

        browser.waitForText("#batch-status", "cancelled");
        assertThat(outcome("cancelled")).isEqualTo(2);
        browser.screenshot("batch-cancelled");
    }

    @Test
    void a_webhook_is_created_with_its_secret_shown_once_tested_into_its_log_disabled_and_deleted() {
        try (var receiver = new Receiver()) {
            open("#/webhooks");
            browser.click("#new-webhook");
            browser.type("#webhook-name", "CRM");
            browser.type("#webhook-url", receiver.url("/hooks/batchcall"));
            browser.click("#event-batch");
            browser.click("#webhook-post-call");
            browser.screenshot("webhook-form");
            browser.click("#save-webhook");

            var secret = browser.until(
                    d -> {
                        var value = browser.find("#webhook-secret").getAttribute("value");
                        return value != null && value.startsWith("whsec_") ? value : null;
                    },
                    "the new webhook's secret");
            browser.click("#copy-secret");
            browser.find("#copy-status");
            browser.screenshot("webhook-secret");
            browser.click("#secret-done");
            browser.waitForText("#webhook-table", "CRM");
            assertThat(browser.text("#webhook-table"))
                    .contains("batch.*", "post-call")
                    .doesNotContain(secret);
            assertThat(browser.driver().getPageSource()).doesNotContain(secret);
            var webhookId = browser.find("#webhook-table tr[data-webhook-id]").getAttribute("data-webhook-id");
            assertThat(server.client()
                            .get("/v1/convai/settings")
                            .json()
                            .at("/webhooks/post_call_webhook_id")
                            .asText())
                    .isEqualTo(webhookId);

            browser.click("#webhook-table a");
            browser.waitForText("#webhook-title", "CRM");
            browser.click("#send-test");
            browser.waitForText("#test-result", "Delivered: 200");
            browser.waitForText("#delivery-table", "webhook.test");
            assertThat(receiver.requests()).singleElement().satisfies(request -> {
                assertThat(request.path()).isEqualTo("/hooks/batchcall");
                assertThat(request.body()).contains("\"type\":\"webhook.test\"");
            });
            var row = browser.find("#delivery-table tr[data-event-id]");
            assertThat(row.getText()).contains("succeeded");
            row.sendKeys(Keys.ENTER);
            browser.until(
                    d -> browser.all("#delivery-attempt-table tbody tr").size() == 1 ? true : null,
                    "the delivery's one attempt");
            assertThat(browser.text("#delivery-attempt-table")).contains("200", "ms");
            browser.screenshot("webhook-delivery-attempts");
            browser.driver().manage().window().setSize(new Dimension(390, 844));
            browser.screenshot("webhook-delivery-attempts-phone");
            browser.driver().manage().window().setSize(new Dimension(1280, 900));

            open("#/webhooks");
            browser.click("#webhook-table .toggle-webhook");
            browser.waitForText("#webhook-table", "disabled");
            browser.waitForText("#webhook-table .toggle-webhook", "Enable");
            assertThat(server.client()
                            .get("/v1/workspace/webhooks")
                            .json()
                            .at("/webhooks/0/is_disabled")
                            .asBoolean())
                    .isTrue();
            browser.screenshot("webhooks");
            browser.click("#webhook-table .delete-webhook");
            browser.waitForText("dialog[open]", "Delete CRM?");
            browser.click("#confirm-ok");

            browser.waitForText("#webhook-messages", "CRM was deleted.");
            browser.find("#webhook-list .empty");
            assertThat(server.client().get("/v1/workspace/webhooks").json().get("webhooks"))
                    .isEmpty();
        }
    }

    @Test
    void ten_thousand_recipients_page_filter_and_search_smoothly() {
        var outcomes = IntStream.range(0, 10_000).mapToObj(i -> "completed").toList();
        long tomorrow = Instant.now().getEpochSecond() + 86_400;
        var id = submit("Big list", recipients(outcomes), ",\"scheduled_time_unix\":" + tomorrow);
        long started = System.nanoTime();
        open("#/batches/" + id);

        browser.waitForText("#recipient-range", "1–50 of 10,000");
        long shownMs = (System.nanoTime() - started) / 1_000_000;
        browser.type("#recipient-search", "person-7777");
        browser.waitForText("#recipient-range", "1–1 of 1");
        browser.find("#recipient-search").sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        browser.click("#next-recipients");
        browser.waitForText("#recipient-range", "51–100 of 10,000");
        new org.openqa.selenium.support.ui.Select(browser.find("#status-filter")).selectByValue("pending");

        browser.waitForText("#recipient-range", "1–50 of 10,000");
        assertThat(browser.all("#recipient-table tbody tr")).hasSize(50);
        assertThat(shownMs).as("time to show a 10,000-recipient batch").isLessThan(10_000);
        browser.screenshot("batch-10000-recipients");
    }
}
