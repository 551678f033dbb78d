package io.batchcall.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Scenario 3, list: a workspace with {@code listBatches} batches; {@code GET /workspace} (100 a page) for the first
 * page, for every page down to {@code listDepth}, and for the page at that depth.
 *
 * <p>The batches are made by one bulk insert through the same database (completed batches of one recipient
 * each, with ids, timestamps and counters shaped as a submit writes them), not by 100,000 submits: the list
 * reads only these rows, and the insert takes seconds instead of many minutes. Baseline: the server's own list
 * query run over plain JDBC at the same two depths.
 *
 * <p>Nothing is measured before the server's JIT has settled on the list's path, as on a server that has been
 * running: warm-up rounds of {@code listWarmUp} requests, not counted, every other one the first page (no cursor), the
 * others walking down the pages with a cursor to {@code listDepth} and starting over; another round only while the JIT
 * compiled for more than a tenth of the last one ({@link WarmUpRounds}), at most {@code listWarmUpRounds}. Each round
 * is sent under an API key of its own, so that the measured requests, under the workspace's first key, never meet the
 * server's per-key rate limit (200 a second, 2,000 at once) that the warm-up's thousands would exhaust; the rounds
 * are paced under its per-address limit ({@link Pacing}; here a round runs at 160 to 720 requests a second and is
 * never held back). The SQL baseline runs {@code listWarmUp} unmeasured queries first; the JIT's compile time while the
 * server's pages are measured is reported beside them.
 */
final class ListScenario {
    private static final int PAGE = 100;

    private final ApiClient api;
    private final BenchDatabase database;
    private final Sizes sizes;

    ListScenario(ApiClient api, BenchDatabase database, Sizes sizes) {
        this.api = api;
        this.database = database;
        this.sizes = sizes;
    }

    record Result(int batches, Duration created, Latencies firstPage, Latencies deepPage, Latencies walk,
                  Latencies sqlFirstPage, Latencies sqlDeepPage, int depth, List<WarmUpRounds.Round> warmUp,
                  WarmUpRounds.Round measured) {

        List<Figure> figures() {
            double worst = Math.max(walk.p99(), Math.max(firstPage.p99(), deepPage.p99()));
            return List.of(
                    Figure.of("list", "first page p50", "ms", firstPage.p50()).against("SQL alone", sqlFirstPage.p50()),
                    Figure.of("list", "first page p99", "ms", firstPage.p99()).against("SQL alone", sqlFirstPage.p99())
                            .atMost(10, "p99 <= 10 ms"),
                    Figure.of("list", "page at " + depth + " p50", "ms", deepPage.p50())
                            .against("SQL alone", sqlDeepPage.p50()),
                    Figure.of("list", "page at " + depth + " p99", "ms", deepPage.p99())
                            .against("SQL alone", sqlDeepPage.p99()).atMost(10, "p99 <= 10 ms"),
                    Figure.of("list", "every page to " + depth + " p99", "ms", walk.p99())
                            .target("p99 <= 10 ms at any depth", worst <= 10),
                    // How warm the server was while its pages were measured, as for the dispatch.
                    Figure.of("list", "JIT compile time while measured", "s", measured.compileSeconds())
                            .against("the measured requests", measured.seconds()),
                    Figure.of("list", "warm-up rounds before it", "", warmUp.size()));
        }

        Map<String, Object> details() {
            return Map.of("batches", batches, "bulk_insert_seconds", created.toMillis() / 1000.0,
                    "first_page_ms", firstPage, "deep_page_ms", deepPage, "every_page_ms", walk,
                    "sql_first_page_ms", sqlFirstPage, "sql_deep_page_ms", sqlDeepPage, "depth", depth,
                    "warm_up_rounds", warmUp, "measured", measured);
        }
    }

    Result run() {
        var workspace = api.createWorkspace("bench-list", 20);
        var created = bulkInsert(workspace, sizes.listBatches());

        var warmUp = warmUp(workspace);
        var first = new ArrayList<Double>();
        var walk = new ArrayList<Double>();
        var deep = new ArrayList<Double>();
        var measured = WarmUpRounds.timed(() -> api.metrics().compileSeconds(), () -> {
            for (int i = 0; i < sizes.listRequests(); i++) {
                first.add(api.listBatches(workspace, PAGE, Optional.empty()).millis());
            }
            Optional<String> cursor = Optional.empty();
            for (int page = 0; page < sizes.listDepth() / PAGE; page++) {
                var response = api.listBatches(workspace, PAGE, cursor);
                walk.add(response.millis());
                cursor = nextDoc(response);
                if (cursor.isEmpty()) {
                    throw new IllegalStateException("the list ended after " + (page + 1) + " pages");
                }
            }
            for (int i = 0; i < sizes.listRequests(); i++) {
                deep.add(api.listBatches(workspace, PAGE, cursor).millis());
            }
        });
        return new Result(sizes.listBatches(), created, Latencies.of(first), Latencies.of(deep), Latencies.of(walk),
                sqlAlone(workspace, 0), sqlAlone(workspace, sizes.listDepth()), sizes.listDepth(), warmUp, measured);
    }

    /** The warm-up rounds until the JIT settles (none with a listWarmUp of 0, which measures a cold server). */
    private List<WarmUpRounds.Round> warmUp(ApiClient.Workspace workspace) {
        if (sizes.listWarmUp() == 0) {
            return List.of();
        }
        return WarmUpRounds.untilSettled("list", sizes.listWarmUpRounds(), () -> api.metrics().compileSeconds(),
                round -> warmUpRound(api.withNewKey(workspace)));
    }

    /** One round: first pages alternating with the pages of a walk to listDepth, over again; none measured. */
    private void warmUpRound(ApiClient.Workspace workspace) {
        Optional<String> cursor = Optional.empty();
        int pagesWalked = 0;
        var pacing = Pacing.ofWarmUp();
        for (int i = 0; i < sizes.listWarmUp(); i++) {
            pacing.awaitTurn();
            if (i % 2 == 0) {
                api.listBatches(workspace, PAGE, Optional.empty());
                continue;
            }
            cursor = nextDoc(api.listBatches(workspace, PAGE, cursor));
            pagesWalked++;
            if (cursor.isEmpty() || pagesWalked == sizes.listDepth() / PAGE) {
                cursor = Optional.empty();
                pagesWalked = 0;
            }
        }
    }

    private static Optional<String> nextDoc(ApiClient.Response page) {
        return Optional.ofNullable(page.json().get("next_doc")).filter(JsonNode::isTextual).map(JsonNode::asText);
    }

    private Duration bulkInsert(ApiClient.Workspace workspace, int count) {
        long started = System.nanoTime();
        try (var connection = database.connection()) {
            connection.setAutoCommit(false);
            try (var batches = connection.prepareStatement("""
                    INSERT INTO batches (workspace_id, id, name, agent_id, phone_number_id, ringing_timeout_secs,
                        recording_enabled, status, total_scheduled, total_dispatched, total_finished, scheduled_at,
                        created_at, updated_at)
                    SELECT ?, 'btcal_' || substr(md5(? || i::text), 1, 28), 'list ' || i, ?, ?, 60, false,
                        'completed', 1, 1, 1, at, at, at
                    FROM generate_series(1, ?) AS i,
                         LATERAL (SELECT now() - interval '1 day' + i * interval '1 millisecond' AS at) t""");
                 var recipients = connection.prepareStatement("""
                    INSERT INTO recipients (workspace_id, batch_id, id, position, phone_number, client_data, status,
                        last_outcome, attempt_count, created_at, updated_at)
                    SELECT workspace_id, id, 'rcp_' || substr(md5(id), 1, 28), 0, '+14155550123',
                        '{"dynamic_variables":{"name":"Ann"}}'::json, 'completed', 'completed', 1, created_at,
                        created_at
                    FROM batches WHERE workspace_id = ?""");
                 var analyze = connection.createStatement()) {
                batches.setString(1, workspace.id());
                batches.setString(2, workspace.id());
                batches.setString(3, workspace.agentId());
                batches.setString(4, workspace.phoneNumberId());
                batches.setInt(5, count);
                batches.executeUpdate();
                recipients.setString(1, workspace.id());
                recipients.executeUpdate();
                connection.commit();
                // As autovacuum would soon after such an insert: without statistics the planner takes the
                // workspace's batches for a handful and sorts them all for every page.
                connection.setAutoCommit(true);
                analyze.execute("ANALYZE batches");
                analyze.execute("ANALYZE recipients");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the bulk insert of batches failed", e);
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /**
     * The server's list query (BatchStore.list), by JDBC, for the page after the given depth: the same text as the
     * server builds it, the cursor condition present only when there is a cursor (with an "IS NULL OR" guard instead,
     * PostgreSQL cannot seek the index to the cursor and a deep page scans: 29 ms against the server's 3).
     */
    private Latencies sqlAlone(ApiClient.Workspace workspace, int depth) {
        var millis = new ArrayList<Double>();
        var select = """
                SELECT b.workspace_id, b.id, b.name, b.agent_id, b.branch_id, b.phone_number_id, b.environment,
                       b.timezone, b.whatsapp_params, b.ringing_timeout_secs, b.recording_enabled, b.machine_detection,
                       b.target_concurrency_limit, b.status, b.failure_reason, b.retry_count, b.total_scheduled,
                       b.total_dispatched, b.total_finished, b.scheduled_at, b.created_at, b.updated_at, b.paused_at,
                       a.name AS agent_name, br.name AS branch_name, p.provider AS phone_provider
                FROM batches b
                JOIN agents a ON a.workspace_id = b.workspace_id AND a.id = b.agent_id
                LEFT JOIN branches br ON br.workspace_id = b.workspace_id AND br.id = b.branch_id
                LEFT JOIN phone_numbers p ON p.workspace_id = b.workspace_id AND p.id = b.phone_number_id
                WHERE b.workspace_id = ? AND b.origin = 'batch'"""
                + (depth > 0 ? " AND (b.created_at, b.id) < (?, ?)" : "")
                + " ORDER BY b.created_at DESC, b.id DESC LIMIT ?";
        try (var connection = database.connection();
             var position = connection.prepareStatement("""
                     SELECT created_at, id FROM batches WHERE workspace_id = ? AND origin = 'batch'
                     ORDER BY created_at DESC, id DESC OFFSET ? LIMIT 1""");
             var page = connection.prepareStatement(select)) {
            java.time.OffsetDateTime afterAt = null;
            String afterId = null;
            if (depth > 0) {
                position.setString(1, workspace.id());
                position.setInt(2, depth - 1);
                try (var rows = position.executeQuery()) {
                    rows.next();
                    afterAt = rows.getObject(1, java.time.OffsetDateTime.class);
                    afterId = rows.getString(2);
                }
            }
            for (int i = 0; i < sizes.listWarmUp() + sizes.listRequests(); i++) {
                long started = System.nanoTime();
                int parameter = 1;
                page.setString(parameter++, workspace.id());
                if (depth > 0) {
                    page.setObject(parameter++, afterAt);
                    page.setString(parameter++, afterId);
                }
                page.setInt(parameter, PAGE + 1);
                try (var rows = page.executeQuery()) {
                    int columns = rows.getMetaData().getColumnCount();
                    while (rows.next()) {
                        for (int column = 1; column <= columns; column++) {
                            rows.getObject(column);
                        }
                    }
                }
                if (i >= sizes.listWarmUp()) {
                    millis.add((System.nanoTime() - started) / 1e6);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the SQL baseline of list failed", e);
        }
        return Latencies.of(millis);
    }
}
