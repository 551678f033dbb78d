package io.batchcall.bench;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scenario 7, conversation filters: a workspace with {@code conversations} conversations (1,000,000 in a full
 * run); {@code GET /v1/convai/conversations} with each filter of ElevenLabs' (a common value, a rare one, a time
 * window, oldest first), first page of 30. Baseline: the statement the server builds for that filter, run alone
 * over plain JDBC, so the ratio is what HTTP, JSON and the server's own work add to the query.
 *
 * <p>Nothing is measured before the server's JIT has settled on the conversation list's path: warm-up rounds of
 * {@code conversationWarmUp} unmeasured requests with each filter, another only while the JIT compiled for more than a
 * tenth of the last one ({@link WarmUpRounds}), at most {@code conversationWarmUpRounds}; the JIT's compile time while
 * the filters are measured is reported beside them. As the list's, each round goes under an API key of its own and is
 * paced ({@link Pacing}): a full run's rounds are 500 requests each, and six of them with the 1,000 measured after
 * under one key would come near its rate limit (200 a second, 2,000 at once). Each filter's statement runs {@code
 * conversationWarmUp} times unmeasured before its SQL baseline.
 *
 * <p>The conversations are one bulk insert shaped as the dispatcher writes them: success, failure and unknown in
 * thirds, 1 in 100 long calls, 1 in 200 ended by a transfer, 1 in 1,000 with a user id (and the dynamic variable
 * plan=gold, the others plan=basic), 1 in 10 on a branch, spread over 30 days.
 */
final class ConversationListScenario {
    private static final Instant END = Instant.parse("2026-06-01T00:00:00Z");
    private static final long SPAN_SECS = Duration.ofDays(30).toSeconds();

    private final ApiClient api;
    private final BenchDatabase database;
    private final Sizes sizes;

    ConversationListScenario(ApiClient api, BenchDatabase database, Sizes sizes) {
        this.api = api;
        this.database = database;
        this.sizes = sizes;
    }

    /** One filter: its query string, and the server's join and conditions for it with their parameters in order. */
    private record Case(String name, String query, String join, String condition, List<Object> parameters,
                        boolean oldestFirst) {
        Case(String name, String query, String condition, List<Object> parameters, boolean oldestFirst) {
            this(name, query, "", condition, parameters, oldestFirst);
        }
    }

    record Measured(Latencies http, Latencies sql, int rows) {}

    record Result(int conversations, Duration created, Map<String, Measured> byFilter,
                  List<WarmUpRounds.Round> warmUp, WarmUpRounds.Round measured) {
        List<Figure> figures() {
            var figures = new ArrayList<Figure>();
            byFilter.forEach((name, filter) -> {
                figures.add(Figure.of("conversations", name + " p50", "ms", filter.http().p50())
                        .against("SQL alone", filter.sql().p50()));
                figures.add(Figure.of("conversations", name + " p99", "ms", filter.http().p99())
                        .against("SQL alone", filter.sql().p99()).atMost(20, "p99 <= 20 ms"));
            });
            // How warm the server was while the filters were measured, as for the list and the dispatch.
            figures.add(Figure.of("conversations", "JIT compile time while measured", "s", measured.compileSeconds())
                    .against("the measured requests", measured.seconds()));
            figures.add(Figure.of("conversations", "warm-up rounds before it", "", warmUp.size()));
            return figures;
        }

        Map<String, Object> details() {
            var details = new LinkedHashMap<String, Object>();
            details.put("conversations", conversations);
            details.put("bulk_insert_seconds", created.toMillis() / 1000.0);
            byFilter.forEach((name, filter) -> details.put(name, Map.of("http_ms", filter.http(),
                    "sql_ms", filter.sql(), "rows", filter.rows())));
            details.put("warm_up_rounds", warmUp);
            details.put("measured", measured);
            return details;
        }
    }

    Result run() {
        var workspace = api.createWorkspace("bench-conversations", 20);
        var created = bulkInsert(workspace, sizes.conversations());
        long middle = END.getEpochSecond() - SPAN_SECS / 2;
        var cases = List.of(
                new Case("newest first, no filter", "", "", List.of(), false),
                new Case("call_successful=success", "call_successful=success", " AND c.call_successful = ?",
                        List.of("success"), false),
                new Case("call_successful=failure, oldest first", "call_successful=failure&sort_direction=asc",
                        " AND c.call_successful = ?", List.of("failure"), true),
                new Case("one day (start after/before)", "call_start_after_unix=" + middle
                        + "&call_start_before_unix=" + (middle + 86_400),
                        " AND c.start_time >= ? AND c.start_time < ?",
                        List.of(at(middle), at(middle + 86_400)), false),
                new Case("call_duration_min_secs=600 (1%)", "call_duration_min_secs=600",
                        " AND c.call_duration_secs >= ?", List.of(600), false),
                new Case("termination_reasons=transfer (0.5%)", "termination_reasons=transfer",
                        " AND c.termination_reason = ?", List.of("transfer"), false),
                new Case("user_id (a rare user)", "user_id=user_7", " AND c.client_data ->> 'user_id' = ?",
                        List.of("user_7"), false),
                new Case("branch_id (10%)", "branch_id=agtbranch_bench", " AND c.branch_id = ?",
                        List.of("agtbranch_bench"), false),
                new Case("exclude_statuses=failed", "exclude_statuses=failed", " AND c.status <> ALL(?)",
                        List.<Object>of((Object) new String[] {"failed"}), false),
                // A workspace's own variable names: read from V160's rows in the list's order, then tested
                // exactly (ConversationListing).
                new Case("dynamic_variable_params (0.1%)", "dynamic_variable_params=plan:eq:gold",
                        " JOIN conversation_variables v ON v.workspace_id = c.workspace_id"
                                + " AND v.conversation_id = c.id AND v.start_time = c.start_time",
                        " AND ((c.client_data -> 'dynamic_variables' -> ?) #>> '{}') = ?"
                                + " AND v.workspace_id = ? AND v.name = ? AND v.value = ?",
                        List.of("plan", "gold", workspace.id(), "plan", "gold"), false));
        var warmUp = warmUp(workspace, cases);
        // The server's compile time is read around each filter's requests only: the SQL baselines between them
        // run in the harness, and the server, idle meanwhile, may compile what it queued.
        var measuredSeconds = 0.0;
        var compiledSeconds = 0.0;
        var byFilter = new LinkedHashMap<String, Measured>();
        for (var c : cases) {
            var http = new ArrayList<Double>();
            var rows = new int[1];
            var measured = WarmUpRounds.timed(() -> api.metrics().compileSeconds(), () -> {
                for (int i = 0; i < sizes.conversationRequests(); i++) {
                    var response = api.listConversations(workspace, c.query());
                    http.add(response.millis());
                    rows[0] = response.json().get("conversations").size();
                }
            });
            measuredSeconds += measured.seconds();
            compiledSeconds += measured.compileSeconds();
            byFilter.put(c.name(), new Measured(Latencies.of(http), sqlAlone(workspace, c), rows[0]));
        }
        return new Result(sizes.conversations(), created, byFilter, warmUp,
                new WarmUpRounds.Round(measuredSeconds, compiledSeconds));
    }

    /** Rounds of every filter until the JIT settles (none with a conversationWarmUp of 0: a cold server). */
    private List<WarmUpRounds.Round> warmUp(ApiClient.Workspace workspace, List<Case> cases) {
        if (sizes.conversationWarmUp() == 0) {
            return List.of();
        }
        return WarmUpRounds.untilSettled("conversations", sizes.conversationWarmUpRounds(),
                () -> api.metrics().compileSeconds(), round -> {
                    var own = api.withNewKey(workspace);
                    var pacing = Pacing.ofWarmUp();
                    for (var c : cases) {
                        for (int i = 0; i < sizes.conversationWarmUp(); i++) {
                            pacing.awaitTurn();
                            api.listConversations(own, c.query());
                        }
                    }
                });
    }

    private static java.time.OffsetDateTime at(long epochSecond) {
        return Instant.ofEpochSecond(epochSecond).atOffset(java.time.ZoneOffset.UTC);
    }

    private Duration bulkInsert(ApiClient.Workspace workspace, int count) {
        long started = System.nanoTime();
        try (var connection = database.connection()) {
            connection.setAutoCommit(false);
            try (var insert = connection.prepareStatement("""
                    INSERT INTO conversations (workspace_id, id, agent_id, batch_id, recipient_id, phone_number_id,
                        branch_id, status, call_successful, start_time, call_duration_secs, termination_reason,
                        phone_call, client_data, transcript, call_result, created_at, updated_at)
                    SELECT ?, 'conv_' || substr(md5(? || i::text), 1, 28), ?, 'btcal_bench', 'rcp_' || i, ?,
                        CASE WHEN i % 10 = 0 THEN 'agtbranch_bench' END,
                        CASE WHEN i % 3 = 1 THEN 'failed' ELSE 'done' END,
                        (ARRAY['success', 'failure', 'unknown'])[i % 3 + 1],
                        at, CASE WHEN i % 100 = 0 THEN 600 + i % 1200 WHEN i % 3 = 1 THEN 0 ELSE 5 + i % 300 END,
                        CASE WHEN i % 200 = 0 THEN 'transfer' WHEN i % 3 = 1 THEN 'no_answer'
                             ELSE 'end_call tool' END,
                        jsonb_build_object('direction', 'outbound', 'agent_number', '+14155550100',
                            'external_number', '+1415555' || lpad((i % 10000)::text, 4, '0'),
                            'type', 'sip_trunking', 'call_sid', 'call-' || i, 'stream_sid', ''),
                        CASE WHEN i % 1000 = 0 THEN jsonb_build_object('user_id', 'user_' || (i / 1000) % 500,
                            'dynamic_variables', jsonb_build_object('plan', 'gold'))
                            ELSE jsonb_build_object('dynamic_variables', jsonb_build_object('plan', 'basic')) END,
                        '[]'::jsonb, CASE WHEN i % 3 = 1 THEN 'no_answer' ELSE 'answered' END, at, at
                    FROM generate_series(1, ?) AS i,
                         LATERAL (SELECT ?::timestamptz - (i::double precision * ? / ?) * interval '1 second'
                                  AS at) t""");
                 var analyze = connection.createStatement()) {
                insert.setString(1, workspace.id());
                insert.setString(2, workspace.id());
                insert.setString(3, workspace.agentId());
                insert.setString(4, workspace.phoneNumberId());
                insert.setInt(5, count);
                insert.setObject(6, at(END.getEpochSecond()));
                insert.setLong(7, SPAN_SECS);
                insert.setInt(8, count);
                insert.executeUpdate();
                connection.commit();
                // As autovacuum would soon after, done now so that it does not run under the measurements (a
                // million rows take it tens of seconds on two cores): statistics, without which the planner cannot
                // tell a rare filter value, and the visibility map. Also for the rows V160's trigger added for the
                // conversations' dynamic variables.
                connection.setAutoCommit(true);
                analyze.execute("VACUUM (ANALYZE) conversations");
                analyze.execute("VACUUM (ANALYZE) conversation_variables");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the bulk insert of conversations failed", e);
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /**
     * The server's list statement for this filter (ConversationRows.LISTED and ConversationListing's conditions,
     * written out), by JDBC, first page of 30.
     */
    private Latencies sqlAlone(ApiClient.Workspace workspace, Case c) {
        var direction = c.oldestFirst() ? "ASC" : "DESC";
        var sql = """
                SELECT c.workspace_id, c.id, c.agent_id, c.batch_id, c.recipient_id, c.phone_number_id, c.status,
                       c.call_successful, c.start_time, c.call_duration_secs, c.termination_reason,
                       c.phone_call ->> 'direction' AS direction, c.phone_call ->> 'agent_number' AS agent_number,
                       c.phone_call ->> 'external_number' AS external_number, c.phone_call ->> 'type' AS call_type,
                       c.phone_call ->> 'call_sid' AS call_sid, c.phone_call ->> 'stream_sid' AS stream_sid,
                       NULL::text AS client_data, '[]' AS transcript,
                       jsonb_array_length(c.transcript) AS message_count, c.call_result, c.transcript_summary,
                       c.data_collection_results::text AS data_collection_results,
                       c.evaluation_criteria_results::text AS evaluation_criteria_results, c.branch_id,
                       c.recording_sid IS NOT NULL AS has_audio, c.attempt_number, a.name AS agent_name
                FROM conversations c
                LEFT JOIN agents a ON a.workspace_id = c.workspace_id AND a.id = c.agent_id""" + c.join() + """

                WHERE c.workspace_id = ?""" + c.condition() + " ORDER BY c.start_time " + direction + ", c.id "
                + direction + " LIMIT ?";
        var millis = new ArrayList<Double>();
        try (var connection = database.connection(); var page = connection.prepareStatement(sql)) {
            for (int i = 0; i < sizes.conversationWarmUp() + sizes.conversationRequests(); i++) {
                long started = System.nanoTime();
                page.setString(1, workspace.id());
                for (int p = 0; p < c.parameters().size(); p++) {
                    var value = c.parameters().get(p);
                    if (value instanceof String[] array) {
                        page.setArray(p + 2, connection.createArrayOf("text", array));
                    } else {
                        page.setObject(p + 2, value);
                    }
                }
                // Bound, as the server binds it: a generic plan takes a bound limit for unknown.
                page.setInt(c.parameters().size() + 2, 31);
                try (var rows = page.executeQuery()) {
                    int columns = rows.getMetaData().getColumnCount();
                    while (rows.next()) {
                        for (int column = 1; column <= columns; column++) {
                            rows.getObject(column);
                        }
                    }
                }
                if (i >= sizes.conversationWarmUp()) {
                    millis.add((System.nanoTime() - started) / 1e6);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the SQL baseline of the conversation list failed", e);
        }
        return Latencies.of(millis);
    }
}
