package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.AttemptPhase;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.RecipientStatus;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dial gate, asked before every dial, reads each question's attempt by its primary key, also for a workspace
 * that the planner's statistics have not seen yet (a new workspace's first batch, until the next ANALYZE): there the
 * planner expects no attempts at all, and an index that starts with workspace_id alone looked as cheap as the key.
 */
class DialGatePlanTest {
    private final Clock clock = Clock.systemUTC();
    private final IdSource ids = IdSource.secure();
    private Database database;

    @BeforeEach
    void statisticsThatKnowOneWorkspaceOnly() {
        database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        database.jdbi().useHandle(h -> h.execute("ALTER TABLE attempts SET (autovacuum_enabled = false)"));
        var known = StoreSeed.create(database, clock, ids, "known", 20);
        known.submit(database, clock, ids, StoreSeed.lettered("a", "b", "c", "d", "e", "f"));
        var claimed = new ClaimStore(database, clock, ids, "node-a", Duration.ofSeconds(30))
                .claim(known.workspace(), number -> Optional.empty())
                .claims();
        assertThat(claimed).hasSize(6);
        // Enough attempts that reading them by an index pays, all in the one workspace the statistics will know.
        database.jdbi().useHandle(h -> {
            h.execute("""
                    INSERT INTO attempts
                    SELECT (jsonb_populate_record(a, jsonb_build_object(
                        'id', 'att_past_' || n, 'attempt_number', 100 + n, 'phase', 'ended',
                        'lease_expires_at', NULL))).*
                    FROM attempts a, generate_series(1, 5000) AS n
                    WHERE a.id = (SELECT min(id) FROM attempts)""");
            h.execute("ANALYZE attempts");
        });
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void a_new_workspaces_questions_read_their_attempts_by_primary_key() {
        var unseen = StoreSeed.create(database, clock, ids, "unseen", 20);
        var questions = List.of("att_1", "att_2", "att_3");

        var plan = database.jdbi()
                .withHandle(h -> h.createQuery("EXPLAIN (FORMAT JSON) " + DialChecks.GATE)
                        .bind("dialing", AttemptPhase.DIALING.wireName())
                        .bindArray("open", String.class, RecipientStatus.open())
                        .bind("workspaceId", unseen.workspace().value())
                        .bindArray(
                                "workspaceIds",
                                String.class,
                                questions.stream()
                                        .map(q -> unseen.workspace().value())
                                        .toList())
                        .bindArray("attemptIds", String.class, questions)
                        .bindArray("batchIds", String.class, List.of("b", "b", "b"))
                        .mapTo(String.class)
                        .one());

        assertThat(PlanReads.of(plan, "attempts"))
                .as("how the plan reads attempts")
                .containsExactly("attempts_pkey");
    }
}
