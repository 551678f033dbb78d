package io.batchcall.api;

import static io.batchcall.support.ApiCalls.agent;
import static io.batchcall.support.ApiCalls.violations;
import static io.batchcall.support.Body.object;
import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.ApiClient;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An agent's branches: creating and listing them. */
@WithServer
class AgentBranchApiTest {
    private static TestServer server;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        api = server.client();
    }

    @Test
    void a_branch_is_created_and_listed_as_an_agent_branch_summary() {
        var id = agent(api, object("name", "Branchy"));

        var created = api.post(
                "/v1/convai/agents/" + id + "/branches",
                object("name", "experiment", "description", "try a shorter greeting"));
        var plain = api.post("/v1/convai/agents/" + id + "/branches", object("name", "plain", "description", null));
        var list = api.get("/v1/convai/agents/" + id + "/branches");

        assertThat(created.status()).isEqualTo(200);
        var branch = created.json();
        assertThat(branch.get("id").asText()).startsWith("agtbranch_");
        assertThat(branch.get("agent_id").asText()).isEqualTo(id);
        assertThat(branch.get("description").asText()).isEqualTo("try a shorter greeting");
        assertThat(branch.get("created_at").isIntegralNumber()).isTrue();
        assertThat(branch.get("last_committed_at").asLong())
                .isEqualTo(branch.get("created_at").asLong());
        assertThat(branch.get("is_archived").asBoolean()).isFalse();
        assertThat(plain.json().get("description").asText()).isEmpty();
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().at("/meta/total").asInt()).isEqualTo(2);
        assertThat(list.json().get("results"))
                .extracting(b -> b.get("name").asText())
                .containsExactly("experiment", "plain");
    }

    @Test
    void a_branch_needs_a_name() {
        var id = agent(api, object("name", "Unnamed branches"));

        assertThat(violations(api.post("/v1/convai/agents/" + id + "/branches", object("description", "d"))))
                .containsExactly("[\"body\",\"name\"] missing Field required");
        assertThat(violations(api.post("/v1/convai/agents/" + id + "/branches", object("name", 7))))
                .containsExactly("[\"body\",\"name\"] string_type Input should be a valid string");
    }
}
