package io.batchcall;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.ApiClient;
import io.batchcall.support.Await;
import io.batchcall.support.JarNode;
import io.batchcall.support.TestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The issue's own reproduction, against the jar as a user runs it: a recipient whose dynamic variable holds U+0000
 * used to be stored, then refused by PostgreSQL's jsonb in the node's one call-event writer, which stalled every
 * other batch on the node. It is now refused at the door, and the next batch runs.
 */
class PoisonInputJarIT {
    private static final String KEY = "bc_poison_input_jar_test_key_0001";

    @Test
    void a_recipient_with_a_nul_character_is_refused_at_submit_and_the_next_batch_completes() throws Exception {
        var env = Map.of(
                "BATCHCALL_DATA_DIR",
                TestServer.tempDirectory().resolve("data").toString(),
                "BATCHCALL_API_KEY",
                KEY,
                "BATCHCALL_SIMULATOR_RING_MS",
                "20",
                "BATCHCALL_SIMULATOR_TALK_MS",
                "50");
        try (var node = JarNode.start(env, Duration.ofSeconds(60))) {
            var api = ApiClient.withKey(node.port(), KEY);
            var agent = api.post("/v1/convai/agents/create", "{\"name\":\"Poison\"}")
                    .json()
                    .get("agent_id")
                    .asText();
            assertThat(api.post(
                                    "/v1/convai/phone-numbers",
                                    "{\"provider\":\"simulator\",\"phone_number\":"
                                            + "\"+14155550100\",\"label\":\"sim\",\"agent_id\":\"" + agent + "\"}")
                            .status())
                    .isEqualTo(200);

            var poisoned = api.post(
                    "/v1/convai/batch-calling/submit",
                    "{\"call_name\":\"A\",\"agent_id\":\"" + agent
                            + "\",\"recipients\":[{\"phone_number\":\"+14155550123\",\"conversation_initiation_client_data\":"
                            + "{\"dynamic_variables\":{\"name\":\"a\\u0000\",\"sim_outcome\":\"completed\"}}}]}");
            assertThat(poisoned.status()).isEqualTo(422);
            assertThat(poisoned.json().get("detail").get(0).get("loc").toString())
                    .isEqualTo("[\"body\",\"recipients\","
                            + "0,\"conversation_initiation_client_data\",\"dynamic_variables\",\"name\"]");
            assertThat(api.get("/v1/convai/batch-calling/workspace").json().get("batch_calls"))
                    .isEmpty();

            var ordinary = api.post(
                    "/v1/convai/batch-calling/submit",
                    "{\"call_name\":\"B\",\"agent_id\":\"" + agent
                            + "\",\"recipients\":[{\"phone_number\":\"+14155550124\",\"conversation_initiation_client_data\":"
                            + "{\"dynamic_variables\":{\"sim_outcome\":\"completed\"}}}]}");
            assertThat(ordinary.status()).isEqualTo(200);
            var batchId = ordinary.json().get("id").asText();
            Await.until(
                    Duration.ofSeconds(30),
                    "batch B to complete",
                    () -> "completed"
                            .equals(api.get("/v1/convai/batch-calling/" + batchId)
                                    .json()
                                    .get("status")
                                    .asText()));
            assertThat(node.output()).doesNotContain("Call events not recorded yet");
            node.stop();
        }
    }
}
