package io.batchcall.bench;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario 2, get: {@code GET} of a batch with {@code submitRecipients} recipients, repeated; latency, and the
 * server's heap while it answers (sampled every 20 ms). Baseline: the server's own recipient query (1,000 rows a
 * chunk, by position) run over plain JDBC, the same number of times: what the database alone costs.
 *
 * <p>Nothing is measured before the server's JIT has settled on the get's path: warm-up rounds of {@code getWarmUp}
 * GETs, not counted (nor in the heap's maximum), another only while the JIT compiled for more than a tenth of the last
 * one ({@link WarmUpRounds}), at most {@code getWarmUpRounds}; the JIT's compile time while the GETs are measured is
 * reported beside them. The rounds need neither a key of their own nor pacing, unlike the list's: a GET of 10,000
 * recipients takes 40 to 100 ms, so a full run's at most 240 warm-up GETs, 10 to 25 a second, come nowhere near the
 * per-key limit (200 a second, 2,000 at once). The SQL baseline runs {@code getWarmUp} unmeasured queries first.
 */
final class GetScenario {
    private static final int CHUNK = 1_000;
    private static final java.time.Duration HEAP_SAMPLE_INTERVAL = java.time.Duration.ofMillis(20);

    private final ApiClient api;
    private final BenchDatabase database;
    private final Sizes sizes;

    GetScenario(ApiClient api, BenchDatabase database, Sizes sizes) {
        this.api = api;
        this.database = database;
        this.sizes = sizes;
    }

    record Result(Latencies latency, Latencies sqlLatency, double idleHeapMegabytes, double maxHeapMegabytes,
                  List<WarmUpRounds.Round> warmUp, WarmUpRounds.Round measured) {

        List<Figure> figures() {
            return List.of(
                    Figure.of("get", "latency p50", "ms", latency.p50()).against("SQL alone", sqlLatency.p50())
                            .atMost(150, "p50 <= 150 ms"),
                    Figure.of("get", "latency p99", "ms", latency.p99()).against("SQL alone", sqlLatency.p99()),
                    Figure.of("get", "server heap max", "MB", maxHeapMegabytes)
                            .against("heap before", idleHeapMegabytes),
                    // How warm the server was while its GETs were measured, as for the list and the dispatch.
                    Figure.of("get", "JIT compile time while measured", "s", measured.compileSeconds())
                            .against("the measured requests", measured.seconds()),
                    Figure.of("get", "warm-up rounds before it", "", warmUp.size()));
        }

        Map<String, Object> details() {
            return Map.of("latency_ms", latency, "sql_latency_ms", sqlLatency, "idle_heap_mb", idleHeapMegabytes,
                    "max_heap_mb", maxHeapMegabytes, "warm_up_rounds", warmUp, "measured", measured);
        }
    }

    Result run(ApiClient.Workspace workspace, String batchId) {
        var idleHeap = api.metrics().heapUsedMegabytes();
        // The heap is sampled through the warm-up as well, but only the measured GETs' samples count: reading
        // /metrics every 20 ms is work for the server too, and begun only with the measured GETs, its code was still
        // being compiled while they ran (a quick run's warm-up rounds of 40 GETs settled at 0.12 x, the GETs after
        // them compiled for 0.42 x).
        var maxHeap = new AtomicLong();
        var counting = new AtomicBoolean(false);
        var sampling = new AtomicBoolean(true);
        var sampler = Thread.ofPlatform().name("heap-sampler").start(() -> {
            while (sampling.get()) {
                boolean counted = counting.get(); // read first: a sample begun in the warm-up never counts
                long used = api.metrics().heapUsedBytes();
                if (counted) {
                    maxHeap.accumulateAndGet(used, Math::max);
                }
                Pause.of(HEAP_SAMPLE_INTERVAL);
            }
        });
        var millis = new ArrayList<Double>();
        List<WarmUpRounds.Round> warmUp;
        WarmUpRounds.Round measured;
        try {
            warmUp = sizes.getWarmUp() == 0 ? List.of() // 0 measures a cold server
                    : WarmUpRounds.untilSettled("get", sizes.getWarmUpRounds(), () -> api.metrics().compileSeconds(),
                            round -> {
                                for (int i = 0; i < sizes.getWarmUp(); i++) {
                                    api.getBatch(workspace, batchId);
                                }
                            });
            counting.set(true);
            measured = WarmUpRounds.timed(() -> api.metrics().compileSeconds(), () -> {
                for (int i = 0; i < sizes.getRequests(); i++) {
                    var response = api.getBatch(workspace, batchId);
                    millis.add(response.millis());
                    int recipients = response.json().get("recipients").size();
                    if (recipients != sizes.submitRecipients()) {
                        throw new IllegalStateException("GET returned " + recipients + " recipients, expected "
                                + sizes.submitRecipients());
                    }
                }
            });
        } finally {
            sampling.set(false);
            joinQuietly(sampler);
        }
        return new Result(Latencies.of(millis), sqlAlone(workspace, batchId), idleHeap,
                maxHeap.get() / (1024.0 * 1024.0), warmUp, measured);
    }

    private Latencies sqlAlone(ApiClient.Workspace workspace, String batchId) {
        var millis = new ArrayList<Double>();
        try (var connection = database.connection();
             var query = connection.prepareStatement("""
                     SELECT batch_id, id, position, phone_number, whatsapp_user_id, client_data::text AS client_data,
                            status, last_outcome, attempt_count, conversation_id, created_at, updated_at
                     FROM recipients
                     WHERE workspace_id = ? AND batch_id = ? AND position > ?
                     ORDER BY position
                     LIMIT ?""")) {
            for (int i = 0; i < sizes.getWarmUp() + sizes.getRequests(); i++) {
                long started = System.nanoTime();
                int after = -1;
                int read;
                do {
                    query.setString(1, workspace.id());
                    query.setString(2, batchId);
                    query.setInt(3, after);
                    query.setInt(4, CHUNK);
                    read = 0;
                    try (var rows = query.executeQuery()) {
                        while (rows.next()) {
                            for (int column = 1; column <= 12; column++) {
                                rows.getObject(column);
                            }
                            after = rows.getInt("position");
                            read++;
                        }
                    }
                } while (read == CHUNK);
                if (i >= sizes.getWarmUp()) { // the first ones warm up, as for the API
                    millis.add((System.nanoTime() - started) / 1e6);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the SQL baseline of get failed", e);
        }
        return Latencies.of(millis);
    }

    private static void joinQuietly(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
