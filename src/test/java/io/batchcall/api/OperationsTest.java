package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import org.junit.jupiter.api.Test;

@WithServer
class OperationsTest {
    private static TestServer server;

    @Test
    void health_answers_without_a_key_with_the_build_version() {
        var response = server.anonymous().get("/health");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("status").asText()).isEqualTo("ok");
        assertThat(response.json().get("version").asText()).matches("\\d+\\.\\d+\\.\\d+\\S*");
    }

    @Test
    void ready_answers_when_the_database_is_reachable_and_migrated() {
        var response = server.anonymous().get("/ready");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("status").asText()).isEqualTo("ready");
    }

    @Test
    void metrics_expose_jvm_http_and_connection_pool_series_in_prometheus_text() {
        server.anonymous().get("/health");

        var response = server.anonymous().get("/metrics");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
        assertThat(response.body())
                .contains("jvm_memory_used_bytes")
                .contains("jvm_compilation_time_ms_total")
                .contains("hikaricp_connections_active")
                .contains("http_server_requests_seconds_count{method=\"GET\",status=\"200\",uri=\"/health\"}");
    }

    @Test
    void metrics_show_the_call_event_writers_queue_depth_and_oldest_waiting_report() {
        var response = server.anonymous().get("/metrics");

        assertThat(response.body())
                .contains("batchcall_call_events_queue_depth 0.0")
                .contains("batchcall_call_events_oldest_wait_seconds 0.0")
                .contains("batchcall_call_events_isolated_total 0.0");
    }
}
