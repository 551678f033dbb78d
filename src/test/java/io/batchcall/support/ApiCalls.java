package io.batchcall.support;

import static io.batchcall.support.Body.object;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Set-up through the public API, for tests whose subject is something else (an agent to call with, a number to
 * call from), and the reading of a 422 that many API tests assert. Unlike {@link Fixtures}, which writes rows, these
 * go through the routes, so what they create is exactly what a client would have.
 */
public final class ApiCalls {
    private ApiCalls() {}

    /** Creates an agent from {@code body} and returns its id; anything but a 200 fails the test. */
    public static String agent(ApiClient client, JsonNode body) {
        var response = client.post("/v1/convai/agents/create", body);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("agent_id").asText();
    }

    /** As {@link #agent(ApiClient, JsonNode)}, from a body already written as JSON text. */
    public static String agent(ApiClient client, String json) {
        var response = client.post("/v1/convai/agents/create", json);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("agent_id").asText();
    }

    /** Imports a simulator number, assigned to no agent, and returns its id. */
    public static String simulatorNumber(ApiClient client, String number) {
        var response = client.post(
                "/v1/convai/phone-numbers", object("provider", "simulator", "phone_number", number, "label", "sim"));
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("phone_number_id").asText();
    }

    public static String workspaceId(ApiClient client) {
        return client.get("/v1/batchcall/workspace").json().get("workspace_id").asText();
    }

    /** Each violation of a 422 as {@code loc type msg}, in order; anything but a 422 fails the test. */
    public static List<String> violations(HttpResult response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(422);
        var out = new ArrayList<String>();
        for (JsonNode v : response.json().get("detail")) {
            out.add(v.get("loc").toString() + " " + v.get("type").asText() + " "
                    + v.get("msg").asText());
        }
        return out;
    }
}
