package io.batchcall.api;

import static io.batchcall.support.Body.object;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.Await;
import io.batchcall.support.Fixtures;
import io.batchcall.support.HttpResult;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every time the API takes in unix seconds is refused by name outside the years 1 to 9999 (a 422 that changes
 * nothing), where a time past what PostgreSQL stores failed the statement storing it with a 500; and a schedule in
 * the past means now, on an edit as on a submit.
 */
@WithServer
class UnixTimeBoundsTest {
    private static final String BATCHES = "/v1/convai/batch-calling/";
    /** About the year 3,170,000: a Java Instant, but past PostgreSQL's timestamptz. */
    private static final long FAR_FUTURE = 99_999_999_999_999L;

    private static TestServer server;
    private static Fixtures fixtures;
    private static String agentId;

    @BeforeAll
    static void start() {
        fixtures = new Fixtures(server);
        agentId = fixtures.agent(TestServer.API_KEY, "Times");
        fixtures.phoneNumber(TestServer.API_KEY, agentId);
    }

    /** One recipient the simulator answers and hangs up on at once, scheduled as given. */
    private static JsonNode submitBody(Object scheduledTimeUnix) {
        return object().field("call_name", "Times")
                .field("agent_id", agentId)
                .field(
                        "recipients",
                        io.batchcall.support.Body.array()
                                .add(object(
                                        "phone_number",
                                        "+14155550123",
                                        "conversation_initiation_client_data",
                                        object(
                                                "dynamic_variables",
                                                object(
                                                        "sim_outcome",
                                                        "completed",
                                                        "sim_ring_ms",
                                                        10,
                                                        "sim_talk_ms",
                                                        10)))))
                .field("scheduled_time_unix", scheduledTimeUnix);
    }

    private static String submitTomorrow() {
        var response = server.client()
                .post(BATCHES + "submit", submitBody(Instant.now().getEpochSecond() + 86_400));
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("id").asText();
    }

    /** The 422's violations as "loc | type" lines. */
    private static List<String> violations(HttpResult response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(422);
        var list = new ArrayList<String>();
        for (JsonNode v : response.json().get("detail")) {
            assertThat(v.get("msg").asText()).isNotBlank();
            list.add(v.get("loc").toString() + " | " + v.get("type").asText());
        }
        return list;
    }

    private static int batches() {
        return fixtures.queryOne(
                "SELECT count(*) FROM batches WHERE workspace_id = :w",
                Map.of("w", fixtures.workspaceOf(TestServer.API_KEY)),
                Integer.class);
    }

    @Test
    void a_submit_scheduled_past_the_year_9999_is_refused_by_name_and_stores_nothing() {
        int before = batches();

        var far = server.client().post(BATCHES + "submit", submitBody(FAR_FUTURE));
        var largest = server.client().post(BATCHES + "submit", submitBody(Long.MAX_VALUE));
        var last = server.client().post(BATCHES + "submit", submitBody(253_402_300_799L));

        assertThat(violations(far)).containsExactly("[\"body\",\"scheduled_time_unix\"] | less_than_equal");
        assertThat(violations(largest)).containsExactly("[\"body\",\"scheduled_time_unix\"] | less_than_equal");
        assertThat(far.body()).contains("253402300799");
        assertThat(last.status())
                .as("the last second of 9999 is a time like any other")
                .isEqualTo(200);
        assertThat(batches()).isEqualTo(before + 1);
    }

    @Test
    void a_default_calling_window_expiring_past_9999_is_refused_and_later_submits_still_work() {
        var put = server.client().put("/v1/batchcall/workspace/calling-window", """
                {"calling_window": {"start": "00:00", "end": "24:00", "expires_at_unix": %d}}""".formatted(FAR_FUTURE));

        assertThat(violations(put))
                .containsExactly("[\"body\",\"calling_window\",\"expires_at_unix\"] | less_than_equal");
        assertThat(server.client()
                        .get("/v1/batchcall/workspace/calling-window")
                        .json()
                        .get("calling_window")
                        .isNull())
                .isTrue();
        submitTomorrow();
    }

    @Test
    void a_default_window_stored_before_the_bound_with_an_expiry_past_9999_still_serves_submits() {
        // Year 33658: PostgreSQL holds it, and requests took it before the 9999 bound; stored, it must still read.
        var workspace = fixtures.workspaceOf(TestServer.API_KEY);
        var stored = server.client().put("/v1/batchcall/workspace/calling-window", """
                {"calling_window": {"start": "00:00", "end": "24:00", "expires_at_unix": 9999999999}}""");
        assertThat(stored.status()).as(stored.toString()).isEqualTo(200);
        fixtures.execute(
                "UPDATE workspaces SET default_calling_window = jsonb_set(default_calling_window,"
                        + " '{expires_at_unix}', '999999999999') WHERE id = :w",
                Map.of("w", workspace));
        try {
            submitTomorrow();
        } finally {
            server.client().delete("/v1/batchcall/workspace/calling-window");
        }
    }

    @Test
    void a_retry_policy_deadline_outside_the_years_1_to_9999_is_refused_by_name() {
        var late = server.client().put("/v1/batchcall/workspace/retry-policy", """
                        {"max_attempts": 2, "retry_on": ["busy"], "deadline_unix": %d}""".formatted(Long.MAX_VALUE));
        var early = server.client().put("/v1/batchcall/workspace/retry-policy", """
                        {"max_attempts": 2, "retry_on": ["busy"], "deadline_unix": %d}""".formatted(Long.MIN_VALUE));

        assertThat(violations(late))
                .anySatisfy(line -> assertThat(line).endsWith("\"deadline_unix\"] | less_than_equal"));
        assertThat(violations(early))
                .anySatisfy(line -> assertThat(line).endsWith("\"deadline_unix\"] | greater_than_equal"));
        assertThat(server.client()
                        .get("/v1/batchcall/workspace/retry-policy")
                        .json()
                        .get("retry_policy")
                        .isNull())
                .isTrue();
    }

    @Test
    void an_edit_scheduling_a_batch_before_now_schedules_it_now_and_one_past_9999_is_refused() {
        var batchId = submitTomorrow();

        var far = server.client().patch(BATCHES + batchId, object("scheduled_time_unix", FAR_FUTURE));
        long before = Instant.now().getEpochSecond();
        var past = server.client().patch(BATCHES + batchId, object("scheduled_time_unix", -8_000_000_000L));
        long after = Instant.now().getEpochSecond();

        assertThat(violations(far)).containsExactly("[\"body\",\"scheduled_time_unix\"] | less_than_equal");
        assertThat(past.status()).as(past.toString()).isEqualTo(200);
        assertThat(past.json().get("scheduled_time_unix").asLong()).isBetween(before, after);
        Await.until(
                Duration.ofSeconds(30),
                "the batch to complete",
                () -> server.client().batchStatus(batchId).equals("completed"));
        assertThat(recipientStatus(batchId)).isEqualTo("completed");
    }

    @Test
    void a_batch_stored_with_a_schedule_in_year_one_is_dialed_not_failed() {
        // As an edit could store one before past times meant now: the dial's lateness, more than 292 years, once
        // overflowed the metric recorded just before placing the call, and every recipient failed undialed.
        var batchId = submitTomorrow();
        fixtures.execute(
                "UPDATE batches SET scheduled_at = '0001-01-01 00:00:00+00' WHERE id = :b", Map.of("b", batchId));

        Await.until(
                Duration.ofSeconds(30),
                "the batch to complete",
                () -> server.client().batchStatus(batchId).equals("completed"));

        assertThat(recipientStatus(batchId)).isEqualTo("completed");
        var attempts =
                server.client().get(BATCHES + batchId + "/attempts").json().get("attempts");
        assertThat(attempts)
                .singleElement()
                .satisfies(
                        attempt -> assertThat(attempt.get("outcome").asText()).isEqualTo("completed"));
    }

    @Test
    void list_and_replay_bounds_outside_what_can_be_stored_are_refused_by_name() {
        var conversations = server.client().get("/v1/convai/conversations?call_start_before_unix=" + Long.MIN_VALUE);
        var optOuts = server.client().get("/v1/batchcall/opt-outs?since=" + FAR_FUTURE);
        var webhook = server.client()
                .post(
                        "/v1/workspace/webhooks",
                        object(
                                "settings",
                                object(
                                        "auth_type",
                                        "hmac",
                                        "name",
                                        "Times",
                                        "webhook_url",
                                        "http://127.0.0.1:9/hook")));
        assertThat(webhook.status()).as(webhook.toString()).isEqualTo(200);
        var replay = server.client()
                .post(
                        "/v1/workspace/webhooks/"
                                + webhook.json().get("webhook_id").asText() + "/replay",
                        object("since_unix", FAR_FUTURE));

        assertThat(violations(conversations))
                .containsExactly("[\"query\",\"call_start_before_unix\"] | greater_than_equal");
        assertThat(violations(optOuts)).containsExactly("[\"query\",\"since\"] | less_than_equal");
        assertThat(violations(replay)).containsExactly("[\"body\",\"since_unix\"] | less_than_equal");
    }

    private static String recipientStatus(String batchId) {
        return server.client()
                .get(BATCHES + batchId)
                .json()
                .get("recipients")
                .get(0)
                .get("status")
                .asText();
    }
}
