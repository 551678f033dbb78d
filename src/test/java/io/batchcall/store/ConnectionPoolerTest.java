package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.batchcall.support.Await;
import io.batchcall.support.PgBouncer;
import io.batchcall.support.TestDatabase;
import io.batchcall.support.TestServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * batchcall behind PgBouncer, the pooler most clusters put in front of PostgreSQL: in session mode a node runs
 * batches as it does on a direct connection (wake-ups and cancels arrive over LISTEN/NOTIFY); in transaction mode,
 * which would lose them silently, it refuses to start and says what to change.
 */
class ConnectionPoolerTest {

    @BeforeAll
    static void pgbouncerInstalled() {
        assumeTrue(
                PgBouncer.binary().isPresent(),
                "pgbouncer is not installed (Debian package pgbouncer): the"
                        + " pooler tests are skipped; CI installs it");
    }

    @Test
    void behind_pgbouncer_in_session_mode_a_node_completes_a_batch_and_cancels_one_at_once() {
        var database = TestDatabase.freshDatabaseUrl();
        try (var bouncer = PgBouncer.start(database, "session");
                var server = TestServer.startOn(
                        bouncer.jdbcUrl(database), Map.of("BATCHCALL_SIMULATOR_TALK_MS", "50"), List.of())) {
            var fixtures = new io.batchcall.support.Fixtures(server);
            var agent = fixtures.agent(TestServer.API_KEY, "Pooled");
            fixtures.phoneNumber(TestServer.API_KEY, agent);
            var batch = server.client().post("/v1/convai/batch-calling/submit", """
                    {"call_name":"pooled","agent_id":"%s","recipients":[
                      {"phone_number":"+14155550101"},{"phone_number":"+14155550102"},{"phone_number":"+14155550103"}
                    ]}""".formatted(agent));
            assertThat(batch.status()).as(batch.toString()).isEqualTo(200);
            var id = batch.json().get("id").asText();
            Await.until(
                    Duration.ofSeconds(30),
                    "the batch behind PgBouncer completes",
                    () -> "completed"
                            .equals(server.client()
                                    .get("/v1/convai/batch-calling/" + id)
                                    .json()
                                    .get("status")
                                    .asText()));
            assertThat(fixtures.queryOne(
                            "SELECT count(*) FROM attempts WHERE batch_id = :b", Map.of("b", id), Integer.class))
                    .isEqualTo(3);

            // A cancel reaches the dispatcher over NOTIFY through the pooler: a batch scheduled a day ahead is
            // cancelled and never dialed.
            var later = server.client().post("/v1/convai/batch-calling/submit", """
                    {"call_name":"later","agent_id":"%s","scheduled_time_unix":%d,
                     "recipients":[{"phone_number":"+14155550104"}]}""".formatted(
                            agent, java.time.Instant.now().getEpochSecond() + 86_400));
            var laterId = later.json().get("id").asText();
            var cancelled = server.client().post("/v1/convai/batch-calling/" + laterId + "/cancel", "");
            assertThat(cancelled.json().get("status").asText()).isEqualTo("cancelled");
        }
    }

    @Test
    void behind_pgbouncer_in_transaction_mode_the_server_refuses_to_start_and_says_to_use_session_mode() {
        var database = TestDatabase.freshDatabaseUrl();
        try (var bouncer = PgBouncer.start(database, "transaction")) {
            assertThatThrownBy(() -> Database.connect(
                            bouncer.jdbcUrl(database),
                            Optional.of("postgres"),
                            Optional.empty(),
                            new SimpleMeterRegistry()))
                    .hasMessageContaining("pool_mode = session")
                    .hasMessageContaining("same PostgreSQL process");
        }
    }
}
