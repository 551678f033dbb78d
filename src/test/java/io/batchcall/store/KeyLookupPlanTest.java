package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle's statements find attempts, conversations and batches by their keys, many at once, by joining them to
 * arrays of (workspace, id). When the last ANALYZE saw a row or two in each of many workspaces, the planner expects
 * one row per workspace: every index that starts with {@code workspace_id} then costs what the key costs, and without
 * V164 it picked another one and filtered on id, which reads all of a workspace's rows for each look-up until the next
 * ANALYZE. V164 declares workspaces large on average, so the key is the cheaper plan whatever the statistics saw.
 */
class KeyLookupPlanTest {
    private static final ObjectMapper JSON = new ObjectMapper();
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
            h.execute("ALTER TABLE conversations SET (autovacuum_enabled = false)");
            h.execute("ALTER TABLE batches SET (autovacuum_enabled = false)");
            // The table as an installation's first hours leave it: one call in each of many workspaces. Copies of
            // the one real attempt, each in a workspace of its own (their keys checked off for the copies only).
            h.execute("SET session_replication_role = replica");
            h.execute("""
                    INSERT INTO batches
                    SELECT (jsonb_populate_record(b, jsonb_build_object('workspace_id', 'ws_early_' || n))).*
                    FROM batches b, generate_series(1, :copies) AS n""".replace(":copies", String.valueOf(COPIES)));
            h.execute("""
                    INSERT INTO attempts
                    SELECT (jsonb_populate_record(a, jsonb_build_object('workspace_id', 'ws_early_' || n))).*
                    FROM attempts a, generate_series(1, :copies) AS n""".replace(":copies", String.valueOf(COPIES)));
            h.execute("""
                    INSERT INTO conversations (workspace_id, id, agent_id, status, start_time, created_at, updated_at)
                    SELECT 'ws_early_' || n, 'conv_early', 'agent', 'done', now(), now(), now()
                    FROM generate_series(1, :copies) AS n""".replace(":copies", String.valueOf(COPIES)));
            h.execute("SET session_replication_role = DEFAULT");
            h.execute("ANALYZE attempts, conversations, batches");
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

        var plan = plan(database.jdbi()
                .withHandle(h -> KeyArrays.attempts(
                                h.createQuery("EXPLAIN (FORMAT JSON) " + AttemptLifecycle.LOCK_ATTEMPTS), attempts)
                        .mapTo(String.class)
                        .one()));

        assertThat(scans(plan, "attempts")).as("how the plan reads attempts").containsExactly("attempts_pkey");
    }

    @Test
    void conversations_joined_by_key_are_read_by_primary_key_in_a_workspace_the_statistics_have_not_seen() {
        var plan = plan(database.jdbi()
                .withHandle(h -> h.createQuery("""
                        EXPLAIN (FORMAT JSON)
                        SELECT c.id FROM conversations c
                        JOIN unnest(:workspaceIds, :ids) AS t(workspace_id, id)
                          ON c.workspace_id = t.workspace_id AND c.id = t.id""")
                        .bindArray("workspaceIds", String.class, List.of("ws_unseen", "ws_unseen", "ws_unseen"))
                        .bindArray("ids", String.class, List.of("conv_1", "conv_2", "conv_3"))
                        .mapTo(String.class)
                        .one()));

        assertThat(scans(plan, "conversations"))
                .as("how the plan reads conversations")
                .containsExactly("conversations_pkey");
    }

    @Test
    void batches_joined_by_key_are_read_by_primary_key_in_a_workspace_the_statistics_have_not_seen() {
        var plan = plan(database.jdbi()
                .withHandle(h -> KeyArrays.batches(
                                h.createQuery("""
                                EXPLAIN (FORMAT JSON)
                                SELECT b.id FROM batches b
                                JOIN unnest(:workspaceIds, :ids) AS t(workspace_id, id)
                                  ON b.workspace_id = t.workspace_id AND b.id = t.id"""),
                                List.of(
                                        new BatchRef(new WorkspaceId("ws_unseen"), "btcal_1"),
                                        new BatchRef(new WorkspaceId("ws_unseen"), "btcal_2")))
                        .mapTo(String.class)
                        .one()));

        assertThat(scans(plan, "batches")).as("how the plan reads batches").containsExactly("batches_pkey");
    }

    private static JsonNode plan(String explained) {
        try {
            return JSON.readTree(explained).get(0).get("Plan");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The index (or, for a sequential scan, the node type) of every node of the plan that reads {@code table}. */
    private static List<String> scans(JsonNode plan, String table) {
        var reads = new ArrayList<String>();
        collect(plan, table, reads);
        return reads;
    }

    private static void collect(JsonNode node, String table, List<String> reads) {
        if (table.equals(node.path("Relation Name").asText())) {
            if (node.has("Index Name")) {
                reads.add(node.get("Index Name").asText());
            } else if ("Bitmap Heap Scan".equals(node.get("Node Type").asText())) {
                // The indexes are its children's, which name no table.
                node.path("Plans")
                        .forEach(index -> reads.add(index.path("Index Name").asText()));
                return;
            } else {
                reads.add(node.get("Node Type").asText());
            }
        }
        node.path("Plans").forEach(child -> collect(child, table, reads));
    }
}
