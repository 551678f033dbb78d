package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.IdSource;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * V168: an ANALYZE of conversations (autovacuum's, after every 1% of change, V158) computes no statistics of the
 * call's bodies (its JSON and the summary's text), which nothing filters, sorts or joins by, and still computes them
 * for every other column, those the conversation list filters and orders by among them.
 */
class ConversationStatisticsTest {
    private static final Instant T0 = Instant.parse("2026-11-02T10:00:00Z");
    private static final int CONVERSATIONS = 2_000;

    private static Database database;

    @BeforeAll
    static void analyzedConversations() {
        database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        var seed = StoreSeed.create(database, Clock.systemUTC(), IdSource.secure(), "statistics", 10);
        // Bodies of the shapes calls give them, and values spread over each filtered column.
        database.jdbi()
                .useHandle(handle -> handle.createUpdate("""
                        INSERT INTO conversations (workspace_id, id, agent_id, status, call_successful, start_time,
                            call_duration_secs, termination_reason, branch_id, phone_call, client_data, transcript,
                            transcript_summary, data_collection_results, evaluation_criteria_results, created_at,
                            updated_at)
                        SELECT :workspace, 'conv_stats_' || i, :agent, 'done',
                            CASE WHEN i % 3 = 0 THEN 'failure' ELSE 'success' END,
                            :t0 - i * interval '1 second', i % 600, 'end_call', 'branch_' || (i % 10),
                            jsonb_build_object('type', 'twilio', 'direction', 'outbound',
                                               'external_number', '+1415555' || lpad(i::text, 4, '0')),
                            jsonb_build_object('user_id', CASE WHEN i % 2 = 0 THEN 'usr_common' ELSE 'usr_' || i END,
                                               'dynamic_variables', jsonb_build_object('name', 'n' || i)),
                            jsonb_build_array(jsonb_build_object('role', 'agent', 'message', 'hello ' || i)),
                            'summary ' || i, jsonb_build_object('k', i), jsonb_build_object('c', i % 7), :t0, :t0
                        FROM generate_series(1, :n) AS i""")
                        .bind("workspace", seed.workspace().value())
                        .bind("agent", seed.agentId())
                        .bind("t0", Rows.at(T0))
                        .bind("n", CONVERSATIONS)
                        .execute());
        database.jdbi().useHandle(handle -> handle.execute("ANALYZE conversations"));
    }

    @AfterAll
    static void close() {
        database.close();
    }

    @Test
    void every_column_but_the_calls_bodies_keeps_its_statistics() {
        var bodies = List.of(
                "phone_call",
                "client_data",
                "transcript",
                "transcript_summary",
                "data_collection_results",
                "evaluation_criteria_results");
        var columns = database.jdbi()
                .withHandle(
                        handle -> handle.createQuery("""
                                SELECT column_name FROM information_schema.columns
                                WHERE table_schema = current_schema() AND table_name = 'conversations'""").mapTo(String.class).list());
        assertThat(columns).containsAll(bodies);

        // Exactly: a column added later, or left out of ANALYZE later, is a decision this test makes someone take.
        assertThat(columnsWithStatistics())
                .containsExactlyInAnyOrderElementsOf(
                        columns.stream().filter(c -> !bodies.contains(c)).toList());
    }

    private static List<String> columnsWithStatistics() {
        return database.jdbi()
                .withHandle(
                        handle -> handle.createQuery("""
                                SELECT attname FROM pg_stats
                                WHERE schemaname = current_schema() AND tablename = 'conversations'""").mapTo(String.class).list());
    }
}
