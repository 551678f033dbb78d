package io.batchcall.api.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@WithServer
class BatchListTest {
    private static TestServer server;
    private static Fixtures fixtures;
    private static String agentId;

    @BeforeAll
    static void start() {
        fixtures = new Fixtures(server);
        agentId = fixtures.agent(TestServer.API_KEY, "Lister");
        fixtures.phoneNumber(TestServer.API_KEY, agentId);
    }

    private static String submit(String apiKey, String agent, String name) {
        var response = server.client(apiKey)
                .post(
                        "/v1/convai/batch-calling/submit",
                        "{\"call_name\":\"" + name + "\",\"agent_id\":\"" + agent
                                + "\",\"recipients\":[{\"phone_number\":\"+14155550100\"}]}");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("id").asText();
    }

    /** Every batch of the workspace, page by page, as the SDK's list would walk it. */
    private static List<JsonNode> walk(String apiKey, String query) {
        var all = new ArrayList<JsonNode>();
        String cursor = null;
        for (int pages = 0; pages < 1_000; pages++) {
            var page = server.client(apiKey)
                    .get("/v1/convai/batch-calling/workspace?" + query + (cursor == null ? "" : "&last_doc=" + cursor))
                    .json();
            assertThat(page.has("has_more")).isTrue();
            page.get("batch_calls").forEach(all::add);
            if (!page.get("has_more").asBoolean()) {
                assertThat(page.get("next_doc").isNull()).isTrue();
                return all;
            }
            cursor = page.get("next_doc").asText();
        }
        throw new AssertionError("the list never ended");
    }

    @Test
    void batches_submitted_concurrently_are_listed_page_by_page_each_exactly_once_newest_first() throws Exception {
        var key = server.newWorkspaceKey("Concurrent");
        var agent = fixtures.agent(key, "Concurrent agent");
        fixtures.phoneNumber(key, agent);
        var submitted = new ArrayList<String>();
        try (var pool = Executors.newFixedThreadPool(16)) {
            var futures = new ArrayList<Future<String>>();
            for (int i = 0; i < 250; i++) {
                int n = i;
                futures.add(pool.submit(() -> submit(key, agent, "batch " + n)));
            }
            for (var future : futures) {
                submitted.add(future.get());
            }
        }

        var listed = walk(key, "limit=7");

        assertThat(listed)
                .extracting(b -> b.get("id").asText())
                .containsExactlyInAnyOrderElementsOf(submitted)
                .doesNotHaveDuplicates();
        for (int i = 1; i < listed.size(); i++) {
            assertThat(listed.get(i).get("created_at_unix").asLong())
                    .isLessThanOrEqualTo(
                            listed.get(i - 1).get("created_at_unix").asLong());
        }
    }

    @Test
    void a_page_started_before_new_batches_arrive_continues_without_gaps_or_repeats() {
        var key = server.newWorkspaceKey("Stable cursor");
        var agent = fixtures.agent(key, "Agent");
        fixtures.phoneNumber(key, agent);
        var older = new ArrayList<String>();
        for (int i = 0; i < 6; i++) {
            older.add(submit(key, agent, "old " + i));
        }
        var first = server.client(key)
                .get("/v1/convai/batch-calling/workspace?limit=3")
                .json();
        submit(key, agent, "newer");

        var second = server.client(key)
                .get("/v1/convai/batch-calling/workspace?limit=3&last_doc="
                        + first.get("next_doc").asText())
                .json();

        var seen = new ArrayList<String>();
        first.get("batch_calls").forEach(b -> seen.add(b.get("id").asText()));
        second.get("batch_calls").forEach(b -> seen.add(b.get("id").asText()));
        assertThat(seen).containsExactlyElementsOf(older.reversed());
    }

    @Test
    void the_agent_filter_lists_only_that_agents_batches() {
        var other = fixtures.agent(TestServer.API_KEY, "Other");
        fixtures.phoneNumber(TestServer.API_KEY, other);
        var mine = submit(TestServer.API_KEY, other, "other's");
        submit(TestServer.API_KEY, agentId, "lister's");

        var listed = walk(TestServer.API_KEY, "agent_id=" + other);

        assertThat(listed).extracting(b -> b.get("id").asText()).containsExactly(mine);
    }

    @Test
    void limit_defaults_to_100_and_is_capped_at_100() {
        var key = server.newWorkspaceKey("Limits");
        var agent = fixtures.agent(key, "Agent");
        fixtures.phoneNumber(key, agent);
        for (int i = 0; i < 101; i++) {
            submit(key, agent, "b" + i);
        }

        var byDefault =
                server.client(key).get("/v1/convai/batch-calling/workspace").json();
        var capped = server.client(key)
                .get("/v1/convai/batch-calling/workspace?limit=500")
                .json();

        assertThat(byDefault.get("batch_calls")).hasSize(100);
        assertThat(byDefault.get("has_more").asBoolean()).isTrue();
        assertThat(capped.get("batch_calls")).hasSize(100);
    }

    @Test
    void a_limit_below_one_or_not_a_number_and_a_forged_cursor_are_422s_on_the_query() {
        var zero = server.client().get("/v1/convai/batch-calling/workspace?limit=0");
        var text = server.client().get("/v1/convai/batch-calling/workspace?limit=ten");
        var forged = server.client().get("/v1/convai/batch-calling/workspace?last_doc=not-a-cursor");

        assertThat(zero.status()).isEqualTo(422);
        assertThat(zero.json().at("/detail/0/loc").toString()).isEqualTo("[\"query\",\"limit\"]");
        assertThat(text.json().at("/detail/0/type").asText()).isEqualTo("int_parsing");
        assertThat(forged.status()).isEqualTo(422);
        assertThat(forged.json().at("/detail/0/loc").toString()).isEqualTo("[\"query\",\"last_doc\"]");
    }

    @Test
    void an_empty_workspace_lists_nothing_with_has_more_false() {
        var key = server.newWorkspaceKey("Empty");

        var page = server.client(key).get("/v1/convai/batch-calling/workspace").json();

        assertThat(page.toString()).isEqualTo("{\"batch_calls\":[],\"next_doc\":null,\"has_more\":false}");
    }
}
