package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.ApiClient;
import io.batchcall.support.HttpResult;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ElevenLabs' agent fields beyond the basics: an optional name, platform_settings with call_limits (stored,
 * returned, and the concurrency limit the same one as our concurrency_limit), and a branch's creation answer.
 */
@WithServer
class AgentCallLimitsApiTest {
    private static TestServer server;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        api = server.client();
    }

    private static String create(String json) {
        var created = api.post("/v1/convai/agents/create", json);
        assertThat(created.status()).as(created.toString()).isEqualTo(200);
        return created.json().get("agent_id").asText();
    }

    private static List<String> violations(HttpResult response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(422);
        var found = new ArrayList<String>();
        response.json()
                .get("detail")
                .forEach(v ->
                        found.add(v.get("loc").toString() + " " + v.get("msg").asText()));
        return found;
    }

    @Test
    void an_agent_can_be_created_without_a_name() {
        var id = create("{\"conversation_config\":{\"agent\":{\"first_message\":\"Hi\"}}}");

        var agent = api.get("/v1/convai/agents/" + id).json();
        assertThat(agent.get("name").asText()).isEmpty();
        assertThat(agent.at("/conversation_config/agent/first_message").asText())
                .isEqualTo("Hi");
    }

    @Test
    void platform_settings_are_stored_and_returned_with_the_call_limits_in_force() {
        var id = create("""
                {"name":"Limited","platform_settings":{"widget":{"variant":"compact"},
                 "call_limits":{"agent_concurrency_limit":4,"daily_limit":250,"bursting_enabled":true}}}""");

        var agent = api.get("/v1/convai/agents/" + id).json();
        assertThat(agent.at("/platform_settings/widget/variant").asText()).isEqualTo("compact");
        assertThat(agent.at("/platform_settings/call_limits").toString())
                .isEqualTo("{\"agent_concurrency_limit\":4,\"daily_limit\":250,\"bursting_enabled\":true}");
        assertThat(agent.get("concurrency_limit").asInt())
                .as("one limit, two names")
                .isEqualTo(4);
        assertThat(agent.at("/daily_usage/calls_in_last_24h").asInt()).isZero();
        assertThat(agent.at("/daily_usage/limit_reached").asBoolean()).isFalse();
    }

    @Test
    void an_agent_without_call_limits_shows_no_limit_as_minus_one_and_no_daily_limit() {
        var id = create("{\"name\":\"Free\"}");

        var agent = api.get("/v1/convai/agents/" + id).json();
        assertThat(agent.at("/platform_settings/call_limits").toString())
                .isEqualTo("{\"agent_concurrency_limit\":-1,\"bursting_enabled\":false}");
        assertThat(agent.get("daily_usage").isNull()).isTrue();
    }

    @Test
    void a_patch_changes_only_the_call_limits_it_names_and_minus_one_removes_the_concurrency_limit() {
        var id = create("""
                {"name":"Patched","concurrency_limit":3,"platform_settings":{"call_limits":{"daily_limit":10}}}""");

        var patched = api.patch("/v1/convai/agents/" + id, """
                {"platform_settings":{"call_limits":{"agent_concurrency_limit":-1},"privacy":{"record_voice":false}}}""");

        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        var agent = api.get("/v1/convai/agents/" + id).json();
        assertThat(agent.at("/platform_settings/call_limits").toString())
                .isEqualTo("{\"agent_concurrency_limit\":-1,\"daily_limit\":10,\"bursting_enabled\":false}");
        assertThat(agent.get("concurrency_limit").isNull()).isTrue();
        assertThat(agent.at("/platform_settings/privacy/record_voice").asBoolean())
                .isFalse();
        api.patch("/v1/convai/agents/" + id, "{\"platform_settings\":{\"call_limits\":{\"daily_limit\":null}}}");
        assertThat(api.get("/v1/convai/agents/" + id)
                        .json()
                        .at("/platform_settings/call_limits")
                        .has("daily_limit"))
                .isFalse();
    }

    @Test
    void out_of_range_call_limits_and_two_disagreeing_concurrency_limits_are_422s() {
        assertThat(violations(api.post("/v1/convai/agents/create", """
                {"platform_settings":{"call_limits":{"agent_concurrency_limit":0,"daily_limit":0,
                 "bursting_enabled":"yes"}}}""")))
                .containsExactly(
                        "[\"body\",\"platform_settings\",\"call_limits\",\"agent_concurrency_limit\"]"
                                + " Input should be -1 (no limit) or between 1 and 100000",
                        "[\"body\",\"platform_settings\",\"call_limits\",\"daily_limit\"]"
                                + " Input should be greater than or equal to 1",
                        "[\"body\",\"platform_settings\",\"call_limits\",\"bursting_enabled\"]"
                                + " Input should be a valid boolean");
        assertThat(violations(api.post("/v1/convai/agents/create", """
                {"concurrency_limit":2,"platform_settings":{"call_limits":{"agent_concurrency_limit":5}}}""")))
                .singleElement()
                .asString()
                .startsWith("[\"body\",\"concurrency_limit\"] Value error");
    }

    @Test
    void a_batch_held_by_its_agents_daily_limit_says_so_and_its_other_recipients_stay_pending() {
        var id = create("{\"name\":\"Once a day\",\"platform_settings\":{\"call_limits\":{\"daily_limit\":1}}}");
        var number = new io.batchcall.support.Fixtures(server).phoneNumber(TestServer.API_KEY, null);
        var submitted = api.post(
                "/v1/convai/batch-calling/submit",
                "{\"call_name\":\"Daily\",\"agent_id\":\"" + id
                        + "\",\"agent_phone_number_id\":\"" + number
                        + "\",\"recipients\":[{\"phone_number\":\"+14155550161\"},"
                        + "{\"phone_number\":\"+14155550162\"}]}");
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(200);
        var batchId = submitted.json().get("id").asText();

        io.batchcall.support.Await.until(
                java.time.Duration.ofSeconds(30),
                "the first call is claimed",
                () -> api.get("/v1/convai/agents/" + id)
                        .json()
                        .at("/daily_usage/limit_reached")
                        .asBoolean());

        var batch = api.get("/v1/convai/batch-calling/" + batchId).json();
        assertThat(batch.get("status").asText()).isEqualTo("in_progress");
        assertThat(batch.get("hold_reason").asText()).contains("daily_limit", "1 calls in the last 24 hours");
        var statuses = new ArrayList<String>();
        batch.get("recipients").forEach(r -> statuses.add(r.get("status").asText()));
        assertThat(statuses).contains("pending");
        assertThat(api.get("/v1/convai/agents/" + id)
                        .json()
                        .at("/daily_usage/calls_in_last_24h")
                        .asInt())
                .isEqualTo(1);
    }

    @Test
    void creating_a_branch_answers_its_id_and_its_first_versions_id_as_the_sdk_reads_them() {
        var id = create("{\"name\":\"Branched\"}");

        var created = api.post("/v1/convai/agents/" + id + "/branches", "{\"name\":\"experiment\"}")
                .json();

        var branchId = created.get("created_branch_id").asText();
        assertThat(branchId).startsWith("agtbranch_");
        assertThat(created.get("created_version_id").asText()).startsWith("agtvrs_");
        var listed = api.get("/v1/convai/agents/" + id + "/branches").json().get("results");
        assertThat(listed)
                .singleElement()
                .satisfies(branch -> assertThat(branch.get("id").asText()).isEqualTo(branchId));
    }
}
