package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.ApiClient;
import io.batchcall.support.Await;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * /metrics names no workspace unless the operator enables the labels or protects the endpoint with a token. The
 * per-workspace calls-in-flight gauge is refreshed when the node starts; a batch run to its end first makes sure
 * that refresh has happened before the open endpoint is read.
 */
class MetricsPrivacyTest {
    private static final Duration BOUND = Duration.ofSeconds(15);
    private static final String METRICS_TOKEN = "metrics-token-0001-long";

    @Test
    void an_open_metrics_endpoint_lists_no_workspace_id() {
        try (var server = TestServer.start()) {
            var workspace = runOneBatch(server);

            var metrics = server.anonymous().get("/metrics");

            assertThat(metrics.status()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains("batchcall_calls_in_flight")
                    .doesNotContain(workspace, "workspace=\"", "workspace_id=\"");
        }
    }

    @Test
    void workspace_labels_are_listed_when_the_operator_enables_them() {
        try (var server = TestServer.start(Map.of("BATCHCALL_METRICS_WORKSPACE_LABELS", "true"), List.of())) {
            var workspace = runOneBatch(server);

            Await.until(
                    BOUND,
                    "the per-workspace gauge lists the workspace",
                    () -> server.anonymous()
                            .get("/metrics")
                            .body()
                            .contains("batchcall_workspace_calls_in_flight{workspace=\"" + workspace + "\"}"));
        }
    }

    @Test
    void a_metrics_token_is_required_as_a_bearer_token_and_then_workspace_labels_are_shown() {
        try (var server = TestServer.start(Map.of("BATCHCALL_METRICS_TOKEN", METRICS_TOKEN), List.of())) {
            var workspace = runOneBatch(server);
            var withToken = new ApiClient(server.port(), Map.of("Authorization", "Bearer " + METRICS_TOKEN));
            var wrongToken = new ApiClient(server.port(), Map.of("Authorization", "Bearer " + METRICS_TOKEN + "x"));

            var anonymous = server.anonymous().get("/metrics");
            var wrong = wrongToken.get("/metrics");

            assertThat(anonymous.status()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).contains("Bearer");
            assertThat(anonymous.json().get("detail").get("status").asText()).isEqualTo("invalid_metrics_token");
            assertThat(anonymous.body()).doesNotContain(workspace);
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(server.anonymous().get("/health").status()).isEqualTo(200);
            Await.until(
                    BOUND,
                    "the token holder sees the per-workspace gauge",
                    () -> withToken
                            .get("/metrics")
                            .body()
                            .contains("batchcall_workspace_calls_in_flight{workspace=\"" + workspace + "\"}"));
        }
    }

    /** Runs a one-recipient batch on the simulator to its end; returns the default workspace's id. */
    private static String runOneBatch(TestServer server) {
        var fixtures = new Fixtures(server);
        var agent = fixtures.agent(TestServer.API_KEY, "Metrics agent");
        var number = fixtures.phoneNumber(TestServer.API_KEY, agent);
        var submitted = server.client().post("/v1/convai/batch-calling/submit", """
                {"call_name":"Metrics","agent_id":"%s","agent_phone_number_id":"%s",
                 "recipients":[{"phone_number":"+14155550123"}]}""".formatted(agent, number));
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(200);
        var batch = submitted.json().get("id").asText();
        Await.until(
                BOUND,
                "the batch completes",
                () -> server.client().batchStatus(batch).equals("completed"));
        return fixtures.workspaceOf(TestServer.API_KEY);
    }
}
