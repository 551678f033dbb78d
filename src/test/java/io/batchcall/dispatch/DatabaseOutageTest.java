package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.store.EmbeddedPostgresServer;
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

/**
 * The PostgreSQL server process stops and starts again while calls are in flight: nothing is lost, nobody is dialed
 * twice, every counter matches, and dispatching resumes.
 */
class DatabaseOutageTest {

    private static EmbeddedPostgres postgres(int port, Path data) throws Exception {
        return EmbeddedPostgresServer.withCodePointOrder(EmbeddedPostgres.builder())
                .setPort(port)
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .start();
    }

    private static int single(java.sql.Statement statement, String sql) throws java.sql.SQLException {
        try (var rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getInt(1);
        }
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
        try (var server = TestServer.startOn(url, Map.of("BATCHCALL_SIMULATOR_TALK_MS", "4000"), List.of())) {
            var fixtures = new Fixtures(server);
            var agent = fixtures.agent(TestServer.API_KEY, "Outage");
            fixtures.phoneNumber(TestServer.API_KEY, agent);
            var recipients = new StringBuilder();
            for (int i = 0; i < 6; i++) {
                recipients
                        .append(i == 0 ? "" : ",")
                        .append("{\"phone_number\":\"+1415555%04d\",".formatted(i))
                        .append("\"conversation_initiation_client_data\":{\"dynamic_variables\":")
                        .append("{\"sim_outcome\":\"completed\",\"sim_ring_ms\":10}}}");
            }
            var batchId = server.client()
                    .post(
                            "/v1/convai/batch-calling/submit",
                            "{\"call_name\":\"outage\","
                                    + "\"agent_id\":\"" + agent + "\",\"target_concurrency_limit\":3,\"recipients\":["
                                    + recipients
                                    + "]}")
                    .json()
                    .get("id")
                    .asText();
            // Calls talk 4 s: the outage below starts while at least one is answered and in flight.
            Await.until(Duration.ofSeconds(30), "a call answered", () -> {
                var recipientsNow = server.client()
                        .get("/v1/convai/batch-calling/" + batchId)
                        .json()
                        .get("recipients");
                for (var recipient : recipientsNow) {
                    if (recipient.get("status").asText().equals("in_progress")) {
                        return true;
                    }
                }
                return false;
            });

            database.close();
            Await.until(
                    Duration.ofSeconds(20),
                    "the server to notice",
                    () -> server.anonymous().get("/ready").status() == 503);
            database = postgres(port, data);

            // While the pool reconnects a request may still fail (500): that is "not yet", not a test error.
            Await.until(Duration.ofSeconds(90), "the batch to complete", () -> {
                var response = server.client().get("/v1/convai/batch-calling/" + batchId);
                return response.status() == 200
                        && response.json().get("status").asText().equals("completed");
            });
            var batch =
                    server.client().get("/v1/convai/batch-calling/" + batchId).json();
            assertThat(batch.get("total_calls_finished").asInt()).isEqualTo(6);
            assertThat(batch.get("recipients")).allSatisfy(r -> {
                assertThat(r.get("status").asText()).isEqualTo("completed");
                assertThat(r.get("attempt_count").asInt()).isEqualTo(1);
            });
            Await.until(
                    Duration.ofSeconds(30),
                    "the node to be ready",
                    () -> server.anonymous().get("/ready").status() == 200);
            // The database's own view: one attempt per recipient, every attempt ended, no slot left taken.
            try (var connection = java.sql.DriverManager.getConnection(url, "postgres", "");
                    var statement = connection.createStatement()) {
                assertThat(single(statement, "SELECT count(*) FROM attempts")).isEqualTo(6);
                assertThat(single(statement, "SELECT count(DISTINCT recipient_id) FROM attempts"))
                        .isEqualTo(6);
                assertThat(single(statement, "SELECT count(*) FROM attempts WHERE phase <> 'ended'"))
                        .isZero();
                assertThat(single(statement, "SELECT sum(in_flight) FROM workspaces_in_flight"))
                        .isZero();
                assertThat(single(statement, "SELECT sum(in_flight) FROM agents_in_flight"))
                        .isZero();
                assertThat(single(statement, "SELECT sum(in_flight) FROM batches"))
                        .isZero();
                assertThat(single(statement, "SELECT total_dispatched FROM batches"))
                        .isEqualTo(6);
                assertThat(single(statement, "SELECT count(*) FROM conversations WHERE status = 'done'"))
                        .isEqualTo(6);
            }
        } finally {
            database.close();
        }
    }
}
