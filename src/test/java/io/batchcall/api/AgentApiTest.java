package io.batchcall.api;

import static io.batchcall.support.ApiCalls.agent;
import static io.batchcall.support.ApiCalls.simulatorNumber;
import static io.batchcall.support.ApiCalls.violations;
import static io.batchcall.support.ApiCalls.workspaceId;
import static io.batchcall.support.Body.array;
import static io.batchcall.support.Body.object;
import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.ApiClient;
import io.batchcall.support.DirectDatabase;
import io.batchcall.support.HttpResult;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Agents themselves: create, get, patch, list, search, delete, and the 404s. */
@WithServer
class AgentApiTest {
    private static TestServer server;
    private static DirectDatabase database;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        database = new DirectDatabase(server);
        api = server.client();
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @Test
    void creating_an_agent_returns_its_id_and_get_shows_every_field() {
        var created = api.post(
                "/v1/convai/agents/create",
                object().field("name", "Support")
                        .field("conversation_config", object("agent", object("first_message", "Hi", "language", "en")))
                        .field("tags", array("a", "b"))
                        .field("concurrency_limit", 5)
                        .field("media_stream_url", "wss://agent.example.com/stream")
                        .field("sip_uri", "sip:agent@example.com")
                        .field("unknown_field", 1));

        assertThat(created.status()).isEqualTo(200);
        var id = created.json().get("agent_id").asText();
        assertThat(id).startsWith("agent_");
        var agent = api.get("/v1/convai/agents/" + id).json();
        assertThat(agent.get("agent_id").asText()).isEqualTo(id);
        assertThat(agent.get("name").asText()).isEqualTo("Support");
        assertThat(agent.at("/conversation_config/agent/first_message").asText())
                .isEqualTo("Hi");
        assertThat(agent.at("/metadata/created_at_unix_secs").isIntegralNumber())
                .isTrue();
        assertThat(agent.at("/metadata/updated_at_unix_secs").isIntegralNumber())
                .isTrue();
        assertThat(agent.get("tags")).isEqualTo(array("a", "b"));
        assertThat(agent.get("phone_numbers").isArray()).isTrue();
        assertThat(agent.get("concurrency_limit").asInt()).isEqualTo(5);
        assertThat(agent.get("phone_number_id").isNull()).isTrue();
        assertThat(agent.get("media_stream_url").asText()).isEqualTo("wss://agent.example.com/stream");
        assertThat(agent.get("sip_uri").asText()).isEqualTo("sip:agent@example.com");
    }

    @Test
    void an_agent_created_with_only_a_name_or_explicit_nulls_gets_the_defaults() {
        var onlyName = agent(api, object("name", "Plain"));
        var nulls = agent(
                api,
                object(
                        "name", "Nulls",
                        "conversation_config", null,
                        "tags", null,
                        "concurrency_limit", null,
                        "media_stream_url", null,
                        "sip_uri", null,
                        "phone_number_id", null));

        for (var id : List.of(onlyName, nulls)) {
            var agent = api.get("/v1/convai/agents/" + id).json();
            assertThat(agent.get("conversation_config").toString()).isEqualTo("{}");
            assertThat(agent.get("tags").toString()).isEqualTo("[]");
            assertThat(agent.get("phone_numbers").toString()).isEqualTo("[]");
            for (var key : List.of("concurrency_limit", "phone_number_id", "media_stream_url", "sip_uri")) {
                assertThat(agent.has(key)).as(key).isTrue();
                assertThat(agent.get(key).isNull()).as(key).isTrue();
            }
        }
    }

    @Test
    void each_invalid_field_of_a_create_is_named_in_one_422() {
        var response = api.post(
                "/v1/convai/agents/create",
                object().field("conversation_config", array(1))
                        .field("tags", array("ok", 3))
                        .field("concurrency_limit", 0)
                        .field("media_stream_url", "https://example.com/stream")
                        .field("sip_uri", "tel:+14155552671"));

        assertThat(response.status()).isEqualTo(422);
        // name is optional, as in ElevenLabs' create.
        assertThat(violations(response))
                .containsExactly(
                        "[\"body\",\"conversation_config\"] model_attributes_type"
                                + " Input should be a valid dictionary or object to extract fields from",
                        "[\"body\",\"tags\",1] string_type Input should be a valid string",
                        "[\"body\",\"concurrency_limit\"] greater_than_equal Input should be greater than or equal to 1",
                        "[\"body\",\"media_stream_url\"] url_scheme URL scheme should be 'ws' or 'wss'",
                        "[\"body\",\"sip_uri\"] value_error"
                                + " Value error, should be a SIP URI such as sip:agent@example.com (sip: or sips:)");
    }

    @Test
    void a_blank_name_a_relative_stream_url_and_a_huge_limit_are_422s() {
        var response = api.post(
                "/v1/convai/agents/create",
                object("name", " ", "media_stream_url", "/stream", "concurrency_limit", 100001));

        assertThat(violations(response))
                .containsExactly(
                        "[\"body\",\"name\"] string_too_short String should have at least 1 character",
                        "[\"body\",\"concurrency_limit\"] less_than_equal Input should be less than or equal to 100000",
                        "[\"body\",\"media_stream_url\"] url_parsing Input should be a valid URL, relative URL without a base");
    }

    @Test
    void patch_changes_only_the_given_fields_and_null_clears_an_extension_field() {
        var id = agent(
                api,
                object(
                        "name",
                        "Before",
                        "tags",
                        array("x"),
                        "concurrency_limit",
                        3,
                        "media_stream_url",
                        "ws://a.example/s",
                        "sip_uri",
                        "sips:a@example.com",
                        "conversation_config",
                        object("k", 1)));

        var renamed = api.patch("/v1/convai/agents/" + id, object("name", "After", "concurrency_limit", null));
        var cleared = api.patch(
                "/v1/convai/agents/" + id,
                object("media_stream_url", null, "sip_uri", null, "tags", array("y"), "name", null));

        assertThat(renamed.status()).isEqualTo(200);
        assertThat(renamed.json().get("name").asText()).isEqualTo("After");
        assertThat(renamed.json().get("concurrency_limit").isNull()).isTrue();
        assertThat(renamed.json().get("sip_uri").asText()).isEqualTo("sips:a@example.com");
        var after = cleared.json();
        assertThat(after.get("name").asText()).isEqualTo("After");
        assertThat(after.get("media_stream_url").isNull()).isTrue();
        assertThat(after.get("sip_uri").isNull()).isTrue();
        assertThat(after.get("tags")).isEqualTo(array("y"));
        assertThat(after.get("conversation_config")).isEqualTo(object("k", 1));
        assertThat(api.get("/v1/convai/agents/" + id).json()).isEqualTo(after);
    }

    @Test
    void an_invalid_patch_is_a_422_and_changes_nothing() {
        var id = agent(api, object("name", "Stable", "concurrency_limit", 2));

        var response = api.patch(
                "/v1/convai/agents/" + id, object("name", "Changed", "concurrency_limit", 0, "sip_uri", "sip:"));

        assertThat(violations(response))
                .containsExactly(
                        "[\"body\",\"concurrency_limit\"] greater_than_equal Input should be greater than or equal to 1",
                        "[\"body\",\"sip_uri\"] value_error"
                                + " Value error, should be a SIP URI such as sip:agent@example.com (sip: or sips:)");
        var agent = api.get("/v1/convai/agents/" + id).json();
        assertThat(agent.get("name").asText()).isEqualTo("Stable");
        assertThat(agent.get("concurrency_limit").asInt()).isEqualTo(2);
    }

    @Test
    void an_unknown_agent_is_a_404_agent_not_found_on_every_endpoint() {
        for (var response : everyEndpointOf(api, "agent_nope")) {
            assertThat(response.status()).as(response.toString()).isEqualTo(404);
            assertThat(response.json().at("/detail/status").asText()).isEqualTo("agent_not_found");
        }
    }

    @Test
    void another_workspaces_agent_is_a_404_on_every_endpoint_and_absent_from_its_list() {
        var id = agent(api, object("name", "Private"));
        api.post("/v1/convai/agents/" + id + "/branches", object("name", "b"));
        var other = server.client(server.newWorkspaceKey("B"));

        for (var response : everyEndpointOf(other, id)) {
            assertThat(response.status()).as(response.toString()).isEqualTo(404);
            assertThat(response.json().at("/detail/status").asText()).isEqualTo("agent_not_found");
        }
        assertThat(other.get("/v1/convai/agents").json().get("agents")).isEmpty();
        assertThat(api.get("/v1/convai/agents/" + id).json().get("name").asText())
                .isEqualTo("Private");
    }

    @Test
    void a_deleted_agent_answers_404_everywhere_leaves_the_list_and_frees_its_numbers() {
        var number = simulatorNumber(api, "+14155550105");
        var id = agent(api, object("name", "Doomed", "phone_number_id", number));

        var deleted = api.delete("/v1/convai/agents/" + id);

        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.body()).isEqualTo("{}");
        for (var response : everyEndpointOf(api, id)) {
            assertThat(response.status()).as(response.toString()).isEqualTo(404);
            assertThat(response.json().at("/detail/status").asText()).isEqualTo("agent_not_found");
        }
        assertThat(api.get("/v1/convai/agents?page_size=100").json().get("agents"))
                .noneSatisfy(a -> assertThat(a.get("agent_id").asText()).isEqualTo(id));
        assertThat(api.get("/v1/convai/phone-numbers/" + number)
                        .json()
                        .get("assigned_agent")
                        .isNull())
                .isTrue();
    }

    @Test
    void deleting_an_agent_with_an_active_batch_is_a_409_and_a_finished_batch_does_not_block_it() {
        var workspace = workspaceId(api);
        var busy = agent(api, object("name", "Busy"));
        var done = agent(api, object("name", "Done"));
        database.insertBatch(workspace, "btcal_busy_pending", busy, null, "pending");
        database.insertBatch(workspace, "btcal_busy_running", busy, null, "in_progress");
        database.insertBatch(workspace, "btcal_done", done, null, "completed");

        var refused = api.delete("/v1/convai/agents/" + busy);

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().at("/detail/status").asText()).isEqualTo("agent_has_active_batches");
        assertThat(api.get("/v1/convai/agents/" + busy).status()).isEqualTo(200);
        assertThat(api.delete("/v1/convai/agents/" + done).status()).isEqualTo(200);
    }

    @Test
    void paging_through_the_list_shows_every_agent_exactly_once_newest_first() {
        var key = server.newWorkspaceKey("Paging");
        var client = server.client(key);
        var created = new ArrayList<String>();
        for (int i = 0; i < 7; i++) {
            created.add(agent(client, object("name", "Agent " + i, "tags", array("t" + i))));
        }

        var seen = new ArrayList<String>();
        String cursor = null;
        int pages = 0;
        do {
            var page = client.get("/v1/convai/agents?page_size=3" + (cursor == null ? "" : "&cursor=" + cursor))
                    .json();
            page.get("agents").forEach(a -> seen.add(a.get("agent_id").asText()));
            assertThat(page.get("has_more").asBoolean())
                    .isEqualTo(!page.get("next_cursor").isNull());
            cursor = page.get("next_cursor").isNull()
                    ? null
                    : page.get("next_cursor").asText();
            pages++;
        } while (cursor != null);

        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyElementsOf(created.reversed());
        var first = client.get("/v1/convai/agents?page_size=1").json().at("/agents/0");
        assertThat(first.get("name").asText()).isEqualTo("Agent 6");
        assertThat(first.get("tags")).isEqualTo(array("t6"));
        assertThat(first.get("created_at_unix_secs").isIntegralNumber()).isTrue();
        assertThat(first.at("/access_info/role").asText()).isEqualTo("admin");
    }

    @Test
    void search_finds_agents_whose_name_contains_the_text_ignoring_case_and_wildcards() {
        var client = server.client(server.newWorkspaceKey("Search"));
        var sales = agent(client, object("name", "Sales Bot"));
        agent(client, object("name", "Support"));
        var percent = agent(client, object("name", "100% bot"));

        assertThat(client.get("/v1/convai/agents?search=BOT").json().get("agents"))
                .extracting(a -> a.get("agent_id").asText())
                .containsExactly(percent, sales);
        assertThat(client.get("/v1/convai/agents?search=%25").json().get("agents"))
                .extracting(a -> a.get("agent_id").asText())
                .containsExactly(percent);
    }

    @Test
    void a_bad_page_size_or_cursor_is_a_422_on_the_query() {
        assertThat(violations(api.get("/v1/convai/agents?page_size=0&cursor=garbage!")))
                .containsExactly(
                        "[\"query\",\"page_size\"] greater_than_equal Input should be greater than or equal to 1",
                        "[\"query\",\"cursor\"] value_error Value error, not a cursor this server returned");
        assertThat(violations(api.get("/v1/convai/agents?page_size=101")))
                .containsExactly("[\"query\",\"page_size\"] less_than_equal Input should be less than or equal to 100");
        assertThat(violations(api.get("/v1/convai/agents?page_size=many")))
                .containsExactly("[\"query\",\"page_size\"] int_parsing"
                        + " Input should be a valid integer, unable to parse string as an integer");
    }

    private static List<HttpResult> everyEndpointOf(ApiClient client, String agentId) {
        var path = "/v1/convai/agents/" + agentId;
        return List.of(
                client.get(path),
                client.patch(path, object("name", "x")),
                client.delete(path),
                client.get(path + "/branches"),
                client.post(path + "/branches", object("name", "x")));
    }
}
