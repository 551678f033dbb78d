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

/**
 * A rolling restart, as an operator upgrading a two-node cluster does it: each node in turn is stopped with SIGTERM
 * while it has calls in flight and started again, the other node serving all the while.
 */
class RollingRestartIT {
    private static final String KEY = "bc_rolling_restart_test_key_001";
    private static final int RECIPIENTS = 100;
    private static final int LIMIT = 4;

    private static Map<String, String> env(String databaseUrl, String nodeId) {
        return JarNode.clusterEnv(databaseUrl, nodeId, KEY);
    }

    @Test
    void restarting_two_nodes_one_after_the_other_mid_batch_dials_every_recipient_once_and_completes_them_all()
            throws Exception {
        var databaseUrl = TestDatabase.freshDatabaseUrl();
        var nodeA = JarNode.start(env(databaseUrl, "node-a"), Duration.ofSeconds(60));
        var nodeB = JarNode.start(env(databaseUrl, "node-b"), Duration.ofSeconds(60));
        try {
            var viaA = ApiClient.withKey(nodeA.port(), KEY);
            var agent = viaA.post("/v1/convai/agents/create", "{\"name\":\"Rolling\"}")
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
                        .append("\"completed\",\"sim_ring_ms\":20,\"sim_talk_ms\":1500}}}");
            }
            var batchId = viaA.post(
                            "/v1/convai/batch-calling/submit",
                            "{\"call_name\":\"rolling\",\"agent_id\":\""
                                    + agent + "\",\"agent_phone_number_id\":\"" + number
                                    + "\",\"target_concurrency_limit\":" + LIMIT
                                    + ",\"recipients\":[" + recipients + "]}")
                    .json()
                    .get("id")
                    .asText();

            nodeA = restartWhileBusy(nodeA, nodeB, "node-a", databaseUrl, batchId);
            nodeB = restartWhileBusy(nodeB, nodeA, "node-b", databaseUrl, batchId);

            var via = ApiClient.withKey(nodeB.port(), KEY);
            Await.until(
                    Duration.ofSeconds(120),
                    "the batch to complete",
                    () -> via.batchStatus(batchId).equals("completed"));
            var batch = via.get("/v1/convai/batch-calling/" + batchId).json();
            var attempts = AttemptIntervals.all(via, batchId);
            // Stopped nodes let their calls finish: every call completes, none is interrupted or dialed again.
            assertThat(batch.get("recipients")).hasSize(RECIPIENTS).allSatisfy(r -> {
                assertThat(r.get("status").asText()).isEqualTo("completed");
                assertThat(r.get("attempt_count").asInt()).isEqualTo(1);
            });
            assertThat(attempts).hasSize(RECIPIENTS);
            assertThat(attempts).extracting(a -> a.get("recipient_id").asText()).doesNotHaveDuplicates();
            assertThat(attempts).extracting(a -> a.get("node_id").asText()).contains("node-a", "node-b");
            assertThat(batch.get("total_calls_finished").asInt()).isEqualTo(RECIPIENTS);
            assertThat(batch.get("total_calls_dispatched").asInt()).isEqualTo(RECIPIENTS);
            assertThat(AttemptIntervals.mostAtOnce(attempts)).isLessThanOrEqualTo(LIMIT);
        } finally {
            nodeA.close();
            nodeB.close();
        }
    }

    /** Waits until {@code node} has a call in flight, stops it with SIGTERM and starts it again. */
    private static JarNode restartWhileBusy(
            JarNode node, JarNode other, String nodeId, String databaseUrl, String batchId) throws Exception {
        var viaOther = ApiClient.withKey(other.port(), KEY);
        Await.until(
                Duration.ofSeconds(60),
                nodeId + " to have calls in flight",
                () -> AttemptIntervals.all(viaOther, batchId).stream()
                        .anyMatch(a -> a.get("node_id").asText().equals(nodeId)
                                && !a.get("phase").asText().equals("ended")));
        assertThat(viaOther.batchStatus(batchId)).isEqualTo("in_progress");
        assertThat(node.stop()).as("exit code after SIGTERM").isIn(0, 143);
        return JarNode.start(env(databaseUrl, nodeId), Duration.ofSeconds(60));
    }
}
