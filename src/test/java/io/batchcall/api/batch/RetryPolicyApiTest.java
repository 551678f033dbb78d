package io.batchcall.api.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retry policies over the API: the defaults, on submit and PATCH, and how held recipients and batches show. */
@WithServer
class RetryPolicyApiTest {
    private static final String BASE = "/v1/convai/batch-calling/";
    private static final String WORKSPACE = "/v1/batchcall/workspace/retry-policy";
    private static final String POLICY =
            "{\"max_attempts\":3,\"retry_on\":[\"busy\",\"no_answer\"],\"delay_seconds\":{\"busy\":600}}";
    private static TestServer server;
    private static Fixtures fixtures;
    private static String agentId;
    private static String otherAgentId;
    private static String numberId;

    @BeforeAll
    static void start() {
        fixtures = new Fixtures(server);
        agentId = fixtures.agent(TestServer.API_KEY, "Retry");
        otherAgentId = fixtures.agent(TestServer.API_KEY, "Retry other");
        numberId = fixtures.phoneNumber(TestServer.API_KEY, agentId);
    }

    @BeforeEach
    void clearDefaults() {
        server.client().delete(WORKSPACE);
        server.client().delete(agentPath(agentId));
    }

    private static String agentPath(String agent) {
        return "/v1/batchcall/agents/" + agent + "/retry-policy";
    }

    /** A batch scheduled a day ahead, so that nothing dials it while the test reads it. */
    private static JsonNode submit(String agent, String extra) {
        var response = server.client()
                .post(
                        BASE + "submit",
                        "{\"call_name\":\"Retry\",\"agent_id\":\"" + agent
                                + "\",\"agent_phone_number_id\":\"" + numberId
                                + "\",\"recipients\":[{\"id\":\"r0\",\"phone_number\":\"+14155550000\"},"
                                + "{\"id\":\"r1\",\"phone_number\":\"+14155550001\"}],\"scheduled_time_unix\":"
                                + (Instant.now().getEpochSecond() + 86_400) + extra + "}");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    private static String storedPolicy(String batchId) {
        return fixtures.queryOne(
                "SELECT coalesce(retry_policy::text, 'none') FROM batches WHERE id = :b",
                Map.of("b", batchId),
                String.class);
    }

    @Test
    void the_workspace_default_is_set_read_and_removed_and_normalised_with_every_delay() {
        var put = server.client().put(WORKSPACE, POLICY);
        var read = server.client().get(WORKSPACE);
        var removed = server.client().delete(WORKSPACE);

        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        var policy = read.json().get("retry_policy");
        assertThat(policy.get("max_attempts").asInt()).isEqualTo(3);
        assertThat(policy.get("delay_seconds").get("busy").asInt()).isEqualTo(600);
        assertThat(policy.get("delay_seconds").get("no_answer").asInt()).isEqualTo(3600);
        assertThat(removed.json().get("retry_policy").isNull()).isTrue();
        assertThat(server.client().get(WORKSPACE).json().get("retry_policy").isNull())
                .isTrue();
    }

    @Test
    void bad_policies_are_a_422_at_their_fields_and_nothing_is_stored() {
        server.client().put(WORKSPACE, POLICY);

        var bad = server.client()
                .put(
                        WORKSPACE,
                        "{\"max_attempts\":21,\"retry_on\":[\"busy\",\"angry\"],"
                                + "\"backoff\":{\"initial_seconds\":0,\"jitter\":1.5}}");

        assertThat(bad.status()).isEqualTo(422);
        assertThat(bad.body())
                .contains("[\"body\",\"max_attempts\"]")
                .contains("[\"body\",\"retry_on\",1]")
                .contains("[\"body\",\"backoff\",\"initial_seconds\"]")
                .contains("[\"body\",\"backoff\",\"jitter\"]");
        assertThat(server.client()
                        .get(WORKSPACE)
                        .json()
                        .get("retry_policy")
                        .get("max_attempts")
                        .asInt())
                .isEqualTo(3);
        var onSubmit = server.client()
                .post(
                        BASE + "submit",
                        "{\"call_name\":\"x\",\"agent_id\":\"" + agentId
                                + "\",\"recipients\":[{\"phone_number\":\"+14155550000\"}],"
                                + "\"retry_policy\":{\"max_attempts\":0}}");
        assertThat(onSubmit.status()).isEqualTo(422);
        assertThat(onSubmit.body()).contains("[\"body\",\"retry_policy\",\"max_attempts\"]");
        assertThat(server.client().put(agentPath("agent_missing"), POLICY).status())
                .isEqualTo(404);
    }

    @Test
    void a_submit_takes_its_own_policy_else_its_agents_default_else_the_workspaces() {
        server.client().put(WORKSPACE, "{\"max_attempts\":2}");
        server.client().put(agentPath(agentId), "{\"max_attempts\":4,\"retry_on\":[\"failed\"]}");

        var own = submit(agentId, ",\"retry_policy\":{\"max_attempts\":5,\"retry_on\":[\"voicemail\"]}");
        var fromAgent = submit(agentId, "");
        var fromWorkspace = submit(otherAgentId, "");

        assertThat(storedPolicy(own.get("id").asText()))
                .contains("\"max_attempts\": 5")
                .contains("voicemail");
        assertThat(storedPolicy(fromAgent.get("id").asText()))
                .contains("\"max_attempts\": 4")
                .contains("failed");
        assertThat(storedPolicy(fromWorkspace.get("id").asText())).contains("\"max_attempts\": 2");
    }

    @Test
    void patch_sets_and_removes_a_running_batchs_policy() {
        var id = submit(agentId, "").get("id").asText();

        var set = server.client().patch(BASE + id, "{\"retry_policy\":" + POLICY + "}");
        var afterSet = storedPolicy(id);
        var removed = server.client().patch(BASE + id, "{\"retry_policy\":null}");

        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        assertThat(afterSet).contains("\"max_attempts\": 3");
        assertThat(removed.status()).isEqualTo(200);
        assertThat(storedPolicy(id)).isEqualTo("none");
        assertThat(server.client()
                        .patch(BASE + id, "{\"retry_policy\":{\"retry_on\":\"busy\"}}")
                        .status())
                .isEqualTo(422);
    }

    @Test
    void held_recipients_show_why_and_until_when_and_the_batch_when_its_next_window_opens() {
        var id = submit(agentId, "").get("id").asText();
        long retryAt = Instant.now().getEpochSecond() + 600;
        long windowAt = Instant.now().getEpochSecond() + 3_600;
        fixtures.execute(
                "UPDATE recipients SET hold_reason = 'retry_backoff', next_attempt_at = to_timestamp(:at),"
                        + " attempt_count = 1, last_outcome = 'busy' WHERE batch_id = :b AND id = 'r0'",
                Map.of("b", id, "at", retryAt));
        fixtures.execute(
                "UPDATE recipients SET hold_reason = 'outside_window', next_attempt_at = to_timestamp(:at),"
                        + " timezone = 'America/Chicago', resolved_timezones = ARRAY['America/Chicago'],"
                        + " timezone_source = 'recipient', region = 'US-IL' WHERE batch_id = :b AND id = 'r1'",
                Map.of("b", id, "at", windowAt));

        var batch = server.client().get(BASE + id).json();

        assertThat(batch.get("waiting_recipients").asInt()).isEqualTo(2);
        assertThat(batch.get("next_window_opens_at_unix").asLong()).isEqualTo(windowAt);
        var r0 = batch.get("recipients").get(0);
        assertThat(r0.get("status").asText()).isEqualTo("pending");
        assertThat(r0.get("hold_reason").asText()).isEqualTo("retry_backoff");
        assertThat(r0.get("next_attempt_at_unix").asLong()).isEqualTo(retryAt);
        assertThat(r0.get("attempt_count").asInt()).isEqualTo(1);
        assertThat(r0.get("skip_reason").isNull()).isTrue();
        assertThat(r0.get("timezone").isNull()).isTrue();
        var r1 = batch.get("recipients").get(1);
        assertThat(r1.get("hold_reason").asText()).isEqualTo("outside_window");
        assertThat(r1.get("timezone").asText()).isEqualTo("America/Chicago");
        assertThat(r1.get("timezones").get(0).asText()).isEqualTo("America/Chicago");
        assertThat(r1.get("timezone_source").asText()).isEqualTo("recipient");
        assertThat(r1.get("region").asText()).isEqualTo("US-IL");
        // A hold shows only while the recipient waits: cancelled, it shows none.
        server.client().postEmpty(BASE + id + "/cancel");
        var cancelled = server.client().get(BASE + id).json();
        assertThat(cancelled.get("recipients").get(0).get("hold_reason").isNull())
                .isTrue();
        assertThat(cancelled
                        .get("recipients")
                        .get(0)
                        .get("next_attempt_at_unix")
                        .isNull())
                .isTrue();
        assertThat(cancelled.get("waiting_recipients").asInt()).isZero();
    }

    @Test
    void a_webhook_may_subscribe_to_the_retry_event_by_its_exact_type() {
        var body = "{\"settings\":{\"auth_type\":\"hmac\",\"name\":\"Retries\","
                + "\"webhook_url\":\"http://127.0.0.1:9/hook\",\"event_types\":[\"%s\"]}}";

        var subscribed = server.client().post("/v1/workspace/webhooks", body.formatted("recipient.retry_scheduled"));
        var unknown = server.client().post("/v1/workspace/webhooks", body.formatted("recipient.retry_whenever"));

        assertThat(subscribed.status()).as(subscribed.toString()).isEqualTo(200);
        assertThat(unknown.status()).isEqualTo(422);
    }
}
