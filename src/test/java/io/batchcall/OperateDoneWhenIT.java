package io.batchcall;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.ApiClient;
import io.batchcall.support.AttemptIntervals;
import io.batchcall.support.Await;
import io.batchcall.support.JarNode;
import io.batchcall.support.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * Issue 14's "Done when", against the jar: two nodes on one database and the simulator. A 300-recipient batch has
 * its concurrency raised from 5 to 20 mid-run, is paused at about half, given more recipients and one recipient
 * cancelled while paused, then resumed to completion.
 */
class OperateDoneWhenIT {
    private static final String KEY = "bc_operate_done_when_key_00001";
    private static final String BATCH = "/v1/convai/batch-calling/";
    private static final int RECIPIENTS = 300;
    private static final int APPENDED = 10;

    private static Map<String, String> env(String databaseUrl, String nodeId) {
        return JarNode.clusterEnv(databaseUrl, nodeId, KEY);
    }

    private static String recipients(int from, int count) {
        var list = new StringBuilder();
        for (int i = from; i < from + count; i++) {
            list.append(i == from ? "" : ",")
                    .append("{\"id\":\"r%d\",\"phone_number\":\"+1415555%04d\",".formatted(i, i))
                    .append("\"conversation_initiation_client_data\":{\"dynamic_variables\":{\"sim_outcome\":")
                    .append("\"completed\",\"sim_ring_ms\":20,\"sim_talk_ms\":150}}}");
        }
        return list.toString();
    }

    private static long millis(JsonNode attempt, String field) {
        return attempt.get(field).asLong();
    }

    @Test
    void a_paused_batch_dials_nothing_after_the_pause_returned_and_completes_after_resume_with_its_changes()
            throws Exception {
        var databaseUrl = TestDatabase.freshDatabaseUrl();
        try (var nodeA = JarNode.start(env(databaseUrl, "node-a"), Duration.ofSeconds(60));
                var nodeB = JarNode.start(env(databaseUrl, "node-b"), Duration.ofSeconds(60))) {
            var viaA = ApiClient.withKey(nodeA.port(), KEY);
            var viaB = ApiClient.withKey(nodeB.port(), KEY);
            var agent = viaA.post("/v1/convai/agents/create", "{\"name\":\"Operate\"}")
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
            var batchId = viaB.post(
                            BATCH + "submit",
                            "{\"call_name\":\"operate\",\"agent_id\":\"" + agent
                                    + "\",\"agent_phone_number_id\":\"" + number + "\",\"target_concurrency_limit\":5,"
                                    + "\"recipients\":[" + recipients(0, RECIPIENTS) + "]}")
                    .json()
                    .get("id")
                    .asText();

            // 5 -> 20 after the first calls ended.
            Await.until(
                    Duration.ofSeconds(30),
                    "the first calls to end",
                    () -> AttemptIntervals.all(viaA, batchId).stream()
                                    .filter(a -> !a.get("ended_at_unix_ms").isNull())
                                    .count()
                            >= 30);
            long raisedAt = System.currentTimeMillis();
            var raised = viaA.patch(BATCH + batchId, "{\"target_concurrency_limit\":20}");
            assertThat(raised.status()).as(raised.toString()).isEqualTo(200);

            // Paused at about half.
            Await.until(
                    Duration.ofSeconds(30),
                    "about half to be dialed",
                    () -> AttemptIntervals.all(viaB, batchId).size() >= RECIPIENTS / 2);
            var paused = viaA.postEmpty(BATCH + batchId + "/pause");
            long pauseReturned = System.currentTimeMillis();
            assertThat(paused.status()).as(paused.toString()).isEqualTo(200);
            assertThat(paused.json().get("paused").asBoolean()).isTrue();
            assertThat(paused.json().get("status").asText()).isEqualTo("in_progress");
            Await.until(
                    Duration.ofSeconds(20),
                    "the calls in progress to finish",
                    () -> AttemptIntervals.all(viaB, batchId).stream()
                            .allMatch(a -> a.get("phase").asText().equals("ended")));
            var beforeResume = AttemptIntervals.all(viaB, batchId);
            assertThat(beforeResume.size()).isBetween(RECIPIENTS / 2, RECIPIENTS - 1);
            assertThat(beforeResume)
                    .allSatisfy(a -> assertThat(millis(a, "dialed_at_unix_ms")).isLessThanOrEqualTo(pauseReturned));

            // While paused: more recipients, and one not yet dialed is cancelled.
            var appended = viaB.post(
                    BATCH + batchId + "/recipients", "{\"recipients\":[" + recipients(RECIPIENTS, APPENDED) + "]}");
            assertThat(appended.status()).as(appended.toString()).isEqualTo(200);
            assertThat(appended.json().get("total_calls_scheduled").asInt()).isEqualTo(RECIPIENTS + APPENDED);
            var pending = StreamSupport.stream(
                            viaB.get(BATCH + batchId).json().get("recipients").spliterator(), false)
                    .filter(r -> r.get("status").asText().equals("pending"))
                    .map(r -> r.get("id").asText())
                    .toList();
            var cancelledId = pending.get(pending.size() / 2);
            var cancelled = viaB.postEmpty(BATCH + batchId + "/recipients/" + cancelledId + "/cancel");
            assertThat(cancelled.json().get("status").asText()).isEqualTo("cancelled");

            var resumed = viaB.postEmpty(BATCH + batchId + "/resume");
            assertThat(resumed.json().get("paused").asBoolean()).isFalse();
            Await.until(
                    Duration.ofSeconds(40),
                    "the batch to complete",
                    () -> viaA.batchStatus(batchId).equals("completed"));

            var batch = viaA.get(BATCH + batchId).json();
            var attempts = AttemptIntervals.all(viaA, batchId);
            List<String> dialed =
                    attempts.stream().map(a -> a.get("recipient_id").asText()).toList();
            assertThat(batch.get("total_calls_finished").asInt()).isEqualTo(RECIPIENTS + APPENDED);
            assertThat(batch.get("recipients")).hasSize(RECIPIENTS + APPENDED).allSatisfy(r -> {
                boolean isCancelled = r.get("id").asText().equals(cancelledId);
                assertThat(r.get("status").asText()).isEqualTo(isCancelled ? "cancelled" : "completed");
                assertThat(r.get("attempt_count").asInt()).isEqualTo(isCancelled ? 0 : 1);
            });
            assertThat(dialed)
                    .hasSize(RECIPIENTS + APPENDED - 1)
                    .doesNotHaveDuplicates()
                    .doesNotContain(cancelledId)
                    .contains("r300", "r309");
            assertThat(attempts)
                    .allSatisfy(
                            a -> assertThat(a.get("dialed_at_unix_ms").isNull()).isFalse());
            assertThat(attempts).extracting(a -> a.get("node_id").asText()).contains("node-a", "node-b");
            // The concurrency change shows in the overlap of the attempts: at most 5 before, more after.
            var before = attempts.stream()
                    .filter(a -> millis(a, "claimed_at_unix_ms") < raisedAt)
                    .toList();
            var after = attempts.stream()
                    .filter(a -> millis(a, "claimed_at_unix_ms") > raisedAt + 1_000)
                    .toList();
            assertThat(AttemptIntervals.mostAtOnce(before)).isEqualTo(5);
            assertThat(AttemptIntervals.mostAtOnce(after)).isGreaterThan(10).isLessThanOrEqualTo(20);
        }
    }
}
