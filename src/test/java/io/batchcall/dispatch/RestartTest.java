package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Await;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** Batches that came due while no server ran are started when one comes back; none is lost or dialed twice. */
class RestartTest {

    private static String submit(TestServer server, String agent, String name) {
        var recipients = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            recipients.append(i == 0 ? "" : ",").append("{\"phone_number\":\"+1415555%04d\"}".formatted(i));
        }
        return server.client()
                .post(
                        "/v1/convai/batch-calling/submit",
                        "{\"call_name\":\"" + name + "\",\"agent_id\":\""
                                + agent + "\",\"scheduled_time_unix\":"
                                + Instant.now().plusSeconds(86_400).getEpochSecond()
                                + ",\"recipients\":[" + recipients + "]}")
                .json()
                .get("id")
                .asText();
    }

    @Test
    void batches_that_came_due_while_the_server_was_down_run_when_it_is_back() {
        String databaseUrl;
        String scheduled;
        String immediate;
        try (var first = TestServer.start()) {
            databaseUrl = first.databaseUrl();
            var fixtures = new Fixtures(first);
            var agent = fixtures.agent(TestServer.API_KEY, "Restart");
            fixtures.phoneNumber(TestServer.API_KEY, agent);
            scheduled = submit(first, agent, "scheduled");
            immediate = submit(first, agent, "immediate");
        }
        // While no server runs, one batch's time comes and the other is as if submitted to start at once.
        Jdbi.create(databaseUrl, "postgres", "").useHandle(handle -> {
            handle.execute("UPDATE batches SET scheduled_at = now() - interval '1 minute' WHERE id = ?", scheduled);
            handle.execute("UPDATE batches SET scheduled_at = created_at WHERE id = ?", immediate);
        });

        // Workspace labels on, so that the per-workspace gauge is among the series checked below.
        try (var second =
                TestServer.startOn(databaseUrl, Map.of("BATCHCALL_METRICS_WORKSPACE_LABELS", "true"), List.of())) {
            for (var batchId : List.of(scheduled, immediate)) {
                Await.until(
                        Duration.ofSeconds(30),
                        "batch " + batchId + " to complete",
                        () -> second.client().batchStatus(batchId).equals("completed"));
                var batch = second.client()
                        .get("/v1/convai/batch-calling/" + batchId)
                        .json();
                assertThat(batch.get("total_calls_finished").asInt()).isEqualTo(5);
                assertThat(batch.get("recipients"))
                        .allSatisfy(
                                r -> assertThat(r.get("attempt_count").asInt()).isEqualTo(1));
            }
            assertThat(second.anonymous().get("/metrics").body())
                    .contains("batchcall_dials_total 10.0")
                    .contains("batchcall_calls_in_flight")
                    .contains("batchcall_attempt_outcomes_total")
                    .contains("batchcall_dispatch_lag_seconds_count 10")
                    // At least the claim that took the recipients, and its time.
                    .containsPattern("batchcall_dispatch_claim_duration_seconds_count [1-9]")
                    .containsPattern("batchcall_dispatch_claim_duration_seconds_sum [0-9]")
                    .contains("batchcall_leases_recovered_total")
                    .contains("batchcall_workspace_calls_in_flight{workspace=");
        }
    }
}
