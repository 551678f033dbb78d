package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.ApiClient;
import io.batchcall.support.AttemptIntervals;
import io.batchcall.support.Await;
import io.batchcall.support.JarNode;
import io.batchcall.support.TestDatabase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two jar processes on one database; one is killed with SIGKILL in the middle of a batch. */
class TwoNodeKillIT {
    private static final String KEY = "bc_two_node_kill_test_key_0001";
    private static final int RECIPIENTS = 60;
    private static final int LIMIT = 6;

    private static Map<String, String> env(String databaseUrl, String nodeId) {
        return JarNode.clusterEnv(databaseUrl, nodeId, KEY);
    }

    @Test
    void killing_a_node_mid_batch_loses_no_recipient_dials_none_twice_and_keeps_counters_true() throws Exception {
        var databaseUrl = TestDatabase.freshDatabaseUrl();
        try (var nodeA = JarNode.start(env(databaseUrl, "node-a"), Duration.ofSeconds(60));
                var nodeB = JarNode.start(env(databaseUrl, "node-b"), Duration.ofSeconds(60))) {
            var viaA = ApiClient.withKey(nodeA.port(), KEY);
            var viaB = ApiClient.withKey(nodeB.port(), KEY);
            var agent = viaA.post("/v1/convai/agents/create", "{\"name\":\"Kill test\"}")
                    .json()
                    .get("agent_id")
                    .asText();
            var number = viaA.post(
                            "/v1/convai/phone-numbers",
                            "{\"provider\":\"simulator\",\"phone_number\":"
                                    + "\"+14155550100\",\"label\":\"sim\",\"agent_id\":\"" + agent + "\"}")
                    .json()
                    .get("phone_number_id")
                    .asText();
            var recipients = new StringBuilder();
            for (int i = 0; i < RECIPIENTS; i++) {
                recipients
                        .append(i == 0 ? "" : ",")
                        .append("{\"phone_number\":\"+1415555%04d\",".formatted(i))
                        .append("\"conversation_initiation_client_data\":{\"dynamic_variables\":{\"sim_outcome\":")
                        .append("\"completed\",\"sim_ring_ms\":20,\"sim_talk_ms\":700}}}");
            }
            var batchId = viaB.post(
                            "/v1/convai/batch-calling/submit",
                            "{\"call_name\":\"kill\",\"agent_id\":\""
                                    + agent + "\",\"agent_phone_number_id\":\"" + number
                                    + "\",\"target_concurrency_limit\":" + LIMIT
                                    + ",\"recipients\":[" + recipients + "]}")
                    .json()
                    .get("id")
                    .asText();
            Await.until(
                    Duration.ofSeconds(30),
                    "node A to have calls in flight",
                    () -> AttemptIntervals.all(viaB, batchId).stream()
                            .anyMatch(a -> a.get("node_id").asText().equals("node-a")
                                    && !a.get("phase").asText().equals("ended")));

            nodeA.kill();

            Await.until(
                    Duration.ofSeconds(120),
                    "the batch to complete on node B",
                    () -> viaB.batchStatus(batchId).equals("completed"));
            var batch = viaB.get("/v1/convai/batch-calling/" + batchId).json();
            var attempts = AttemptIntervals.all(viaB, batchId);
            assertThat(batch.get("recipients")).hasSize(RECIPIENTS).allSatisfy(r -> {
                assertThat(r.get("status").asText()).isIn("completed", "failed");
                assertThat(r.get("attempt_count").asInt()).isEqualTo(1);
            });
            assertThat(attempts).hasSize(RECIPIENTS);
            assertThat(attempts).extracting(a -> a.get("recipient_id").asText()).doesNotHaveDuplicates();
            assertThat(attempts)
                    .filteredOn(a -> a.get("outcome").asText().equals("interrupted"))
                    .isNotEmpty()
                    .allSatisfy(
                            a -> assertThat(a.get("failure_reason").asText()).contains("node-a"));
            assertThat(attempts).extracting(a -> a.get("node_id").asText()).contains("node-a", "node-b");
            assertThat(batch.get("total_calls_finished").asInt()).isEqualTo(RECIPIENTS);
            assertThat(batch.get("total_calls_dispatched").asInt()).isEqualTo(RECIPIENTS);
            assertThat(AttemptIntervals.mostAtOnce(attempts)).isLessThanOrEqualTo(LIMIT);
        }
    }
}
