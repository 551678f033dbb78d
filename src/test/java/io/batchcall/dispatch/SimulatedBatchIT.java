package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.ApiClient;
import io.batchcall.support.AttemptIntervals;
import io.batchcall.support.Await;
import io.batchcall.support.JarNode;
import io.batchcall.support.TestServer;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 4's "done when", exactly as a user would do it: the jar started as the README says (embedded database,
 * the demo agent and simulator number it prints), a batch of 200 recipients talking 300 ms at most 7 at a time.
 */
class SimulatedBatchIT {

    @Test
    void two_hundred_simulated_calls_complete_never_more_than_seven_at_once_with_counters_matching() throws Exception {
        try (var node = JarNode.start(
                Map.of(
                        "BATCHCALL_DATA_DIR",
                        TestServer.tempDirectory().resolve("data").toString()),
                Duration.ofSeconds(60))) {
            var key = find(node.output(), "bc_[A-Za-z0-9]{40}");
            var agent = find(node.output(), "agent_[a-z0-9]{28}");
            var client = ApiClient.withKey(node.port(), key);
            var recipients = new StringBuilder();
            for (int i = 0; i < 200; i++) {
                recipients
                        .append(i == 0 ? "" : ",")
                        .append("{\"phone_number\":\"+1415555%04d\",".formatted(i))
                        .append("\"conversation_initiation_client_data\":{\"dynamic_variables\":")
                        .append("{\"sim_outcome\":\"completed\",\"sim_ring_ms\":50,\"sim_talk_ms\":300}}}");
            }
            var submitted = client.post(
                    "/v1/convai/batch-calling/submit",
                    "{\"call_name\":\"Two hundred\","
                            + "\"agent_id\":\"" + agent + "\",\"target_concurrency_limit\":7,\"recipients\":["
                            + recipients
                            + "]}");
            assertThat(submitted.status()).as(submitted.toString()).isEqualTo(200);
            var batchId = submitted.json().get("id").asText();

            Await.until(
                    Duration.ofSeconds(90),
                    "the batch to complete",
                    () -> client.batchStatus(batchId).equals("completed"));

            var batch = client.get("/v1/convai/batch-calling/" + batchId).json();
            var attempts = AttemptIntervals.all(client, batchId);
            assertThat(batch.get("recipients"))
                    .hasSize(200)
                    .allSatisfy(r -> assertThat(r.get("status").asText()).isEqualTo("completed"));
            assertThat(batch.get("total_calls_scheduled").asInt()).isEqualTo(200);
            assertThat(batch.get("total_calls_dispatched").asInt()).isEqualTo(200);
            assertThat(batch.get("total_calls_finished").asInt()).isEqualTo(200);
            assertThat(attempts).hasSize(200);
            assertThat(AttemptIntervals.mostAtOnce(attempts)).isEqualTo(7);
        }
    }

    private static String find(String text, String regex) {
        var matcher = Pattern.compile(regex).matcher(text);
        assertThat(matcher.find())
                .as("%s in the server's output:%n%s", regex, text)
                .isTrue();
        return matcher.group();
    }
}
