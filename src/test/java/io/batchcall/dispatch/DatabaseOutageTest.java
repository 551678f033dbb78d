package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Await;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PostgreSQL goes away for a few seconds while calls are in flight: nothing is lost, and dispatching resumes. */
class DatabaseOutageTest {

    private static EmbeddedPostgres postgres(int port, Path data) throws Exception {
        return EmbeddedPostgres.builder().setPort(port).setDataDirectory(data).setCleanDataDirectory(false).start();
    }

    @Test
    void a_database_outage_delays_the_batch_but_every_outcome_is_recorded_once_it_returns() throws Exception {
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        var data = TestServer.tempDirectory().resolve("pg");
        var database = postgres(port, data);
        var url = "jdbc:postgresql://localhost:" + port + "/postgres";
        try (var server = TestServer.startOn(url, Map.of("BATCHCALL_SIMULATOR_TALK_MS", "1500"), List.of())) {
            var fixtures = new Fixtures(server);
            var agent = fixtures.agent(TestServer.API_KEY, "Outage");
            fixtures.phoneNumber(TestServer.API_KEY, agent);
            var recipients = new StringBuilder();
            for (int i = 0; i < 6; i++) {
                recipients.append(i == 0 ? "" : ",").append("{\"phone_number\":\"+1415555%04d\",".formatted(i))
                        .append("\"conversation_initiation_client_data\":{\"dynamic_variables\":")
                        .append("{\"sim_outcome\":\"completed\",\"sim_ring_ms\":10}}}");
            }
            var batchId = server.client().post("/v1/convai/batch-calling/submit", "{\"call_name\":\"outage\","
                    + "\"agent_id\":\"" + agent + "\",\"target_concurrency_limit\":3,\"recipients\":[" + recipients
                    + "]}").json().get("id").asText();
            Await.until(Duration.ofSeconds(20), "three calls answered", () -> server.client()
                    .get("/v1/convai/batch-calling/" + batchId).body().split("\"in_progress\"", -1).length - 1 == 3);

            database.close();
            Await.until(Duration.ofSeconds(20), "the server to notice", () ->
                    server.anonymous().get("/ready").status() == 503);
            database = postgres(port, data);

            Await.until(Duration.ofSeconds(90), "the batch to complete", () ->
                    server.client().get("/v1/convai/batch-calling/" + batchId).json().path("status").asText()
                            .equals("completed"));
            var batch = server.client().get("/v1/convai/batch-calling/" + batchId).json();
            assertThat(batch.get("total_calls_finished").asInt()).isEqualTo(6);
            assertThat(batch.get("recipients")).allSatisfy(r -> {
                assertThat(r.get("status").asText()).isEqualTo("completed");
                assertThat(r.get("attempt_count").asInt()).isEqualTo(1);
            });
            assertThat(server.anonymous().get("/ready").status()).isEqualTo(200);
        } finally {
            database.close();
        }
    }
}
