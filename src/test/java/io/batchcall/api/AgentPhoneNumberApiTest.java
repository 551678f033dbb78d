package io.batchcall.api;

import static io.batchcall.support.ApiCalls.agent;
import static io.batchcall.support.ApiCalls.simulatorNumber;
import static io.batchcall.support.Body.object;
import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.ApiClient;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An agent's phone numbers: assigning one through the agent's phone_number_id, and which one it shows. */
@WithServer
class AgentPhoneNumberApiTest {
    private static TestServer server;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        api = server.client();
    }

    @Test
    void setting_phone_number_id_assigns_the_number_and_null_unassigns_every_number_of_the_agent() {
        var first = simulatorNumber(api, "+14155550101");
        var second = simulatorNumber(api, "+14155550102");
        var id = agent(api, object("name", "Caller", "phone_number_id", first));

        var assigned = api.patch("/v1/convai/agents/" + id, object("phone_number_id", second))
                .json();

        assertThat(assigned.get("phone_number_id").asText()).isEqualTo(second);
        assertThat(assigned.get("phone_numbers"))
                .extracting(n -> n.get("phone_number_id").asText())
                .containsExactlyInAnyOrder(first, second);
        assertThat(assigned.at("/phone_numbers/0/assigned_agent/agent_name").asText())
                .isEqualTo("Caller");
        assertThat(api.get("/v1/convai/phone-numbers/" + first)
                        .json()
                        .at("/assigned_agent/agent_id")
                        .asText())
                .isEqualTo(id);

        var unassigned = api.patch("/v1/convai/agents/" + id, object("phone_number_id", null))
                .json();

        assertThat(unassigned.get("phone_number_id").isNull()).isTrue();
        assertThat(unassigned.get("phone_numbers").toString()).isEqualTo("[]");
        assertThat(api.get("/v1/convai/phone-numbers/" + first)
                        .json()
                        .get("assigned_agent")
                        .isNull())
                .isTrue();
    }

    @Test
    void the_agents_phone_number_id_is_its_most_recently_assigned_number_not_its_most_recently_edited() {
        var older = simulatorNumber(api, "+14155550103");
        var newer = simulatorNumber(api, "+14155550104");
        var id = agent(api, object("name", "Twice"));
        api.patch("/v1/convai/phone-numbers/" + older, object("agent_id", id));
        api.patch("/v1/convai/phone-numbers/" + newer, object("agent_id", id));

        api.patch("/v1/convai/phone-numbers/" + older, object("label", "renamed"));

        assertThat(api.get("/v1/convai/agents/" + id)
                        .json()
                        .get("phone_number_id")
                        .asText())
                .isEqualTo(newer);
    }

    @Test
    void naming_a_phone_number_that_does_not_exist_is_a_404() {
        var id = agent(api, object("name", "NoNumber"));

        var onCreate = api.post("/v1/convai/agents/create", object("name", "X", "phone_number_id", "phnum_nope"));
        var onPatch = api.patch("/v1/convai/agents/" + id, object("phone_number_id", "phnum_nope"));

        assertThat(onCreate.status()).isEqualTo(404);
        assertThat(onCreate.json().at("/detail/status").asText()).isEqualTo("phone_number_not_found");
        assertThat(onPatch.status()).isEqualTo(404);
        assertThat(onPatch.json().at("/detail/status").asText()).isEqualTo("phone_number_not_found");
    }
}
