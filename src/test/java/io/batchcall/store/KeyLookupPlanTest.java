package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.WorkspaceId;
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
 * The call-event group locks its attempts by key, many at once, joining attempts to arrays of (workspace, id). When
 * the last ANALYZE saw an attempt or two in each of many workspaces, the planner expects one row per workspace: every
 * index that starts with {@code workspace_id} then costs what the key costs, and without V164 it took {@code
 * attempts_by_agent_claim} and filtered on id, which reads all of a workspace's attempts for each look-up until the
 * next ANALYZE. V164 declares workspaces large on average, so the key is the cheaper plan whatever the statistics
 * saw: planned with the values, and planned without them as the group's transaction plans it.
 */
class KeyLookupPlanTest {
    private static final int COPIES = 2_000;

    private final Clock clock = Clock.systemUTC();
    private final IdSource ids = IdSource.secure();
    private Database database;

    @BeforeEach
    void statisticsThatSawOneCallInEachOfManyWorkspaces() {
        database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        var seed = StoreSeed.create(database, clock, ids, "early", 20);
        seed.submit(database, clock, ids, StoreSeed.lettered("a"));
        var claimed = new ClaimStore(database, clock, ids, "node-a", Duration.ofSeconds(30))
                .claim(seed.workspace(), number -> Optional.empty())
                .claims();
        assertThat(claimed).hasSize(1);
        database.jdbi().useHandle(h -> {
            h.execute("ALTER TABLE attempts SET (autovacuum_enabled = false)");
            // The table as an installation's first hours leave it: one call in each of many workspaces. Copies of
            // the one real attempt, each in a workspace of its own (their keys checked off for the copies only).
            h.execute("SET session_replication_role = replica");
            h.createUpdate("""
                            INSERT INTO attempts
                            SELECT (jsonb_populate_record(a, jsonb_build_object('workspace_id', 'ws_early_' || n))).*
                            FROM attempts a, generate_series(1, :copies) AS n""").bind("copies", COPIES).execute();
            h.execute("SET session_replication_role = DEFAULT");
            h.execute("ANALYZE attempts");
        });
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void a_call_event_groups_attempts_are_locked_by_primary_key_in_a_workspace_the_statistics_have_not_seen() {
        var unseen = new WorkspaceId("ws_unseen");
        var attempts = List.of(
                new AttemptRef(unseen, "att_1"), new AttemptRef(unseen, "att_2"), new AttemptRef(unseen, "att_3"));

        var planned = database.jdbi()
                .withHandle(h -> KeyArrays.attempts(
                                h.createQuery("EXPLAIN (FORMAT JSON) " + AttemptLifecycle.LOCK_ATTEMPTS), attempts)
                        .mapTo(String.class)
                        .one());
        var plannedWithoutValues = database.jdbi().inTransaction(h -> {
            h.execute("PREPARE lock_attempts (text[], text[]) AS "
                    + AttemptLifecycle.LOCK_ATTEMPTS
                            .replace(":workspaceIds", "$1")
                            .replace(":ids", "$2"));
            AttemptLifecycle.planWithoutValues(h);
            return h.createQuery("EXPLAIN (FORMAT JSON) EXECUTE lock_attempts ('{ws_unseen,ws_unseen,ws_unseen}',"
                            + " '{att_1,att_2,att_3}')")
                    .mapTo(String.class)
                    .one();
        });

        assertThat(PlanReads.of(planned, "attempts"))
                .as("planned with the values")
                .containsExactly("attempts_pkey");
        assertThat(PlanReads.of(plannedWithoutValues, "attempts"))
                .as("planned without them, as the group is")
                .containsExactly("attempts_pkey");
    }
}
