package io.batchcall.bench;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Scenario 1, submit: batches of {@code submitRecipients} recipients with three dynamic variables each, one after
 * another; latency and recipients stored per second. The batches are scheduled a day ahead so that they stay
 * pending (nothing dials them); the get scenario reads one of them.
 *
 * <p>Nothing is measured before the server's JIT has settled on the submit's path: warm-up rounds of {@code
 * submit-warm-up} submits of the same size, not counted, another only while the JIT compiled for more than a tenth of
 * the last one ({@link WarmUpRounds}), at most {@code submit-warm-up-rounds}; the JIT's compile time while the
 * submits are measured is reported beside them, as for the get, the lists and the dispatch.
 */
final class SubmitScenario {
    private final ApiClient api;
    private final Sizes sizes;

    SubmitScenario(ApiClient api, Sizes sizes) {
        this.api = api;
        this.sizes = sizes;
    }

    record Result(ApiClient.Workspace workspace, List<String> batchIds, Latencies latency,
                  double recipientsPerSecond, List<WarmUpRounds.Round> warmUp, WarmUpRounds.Round measured) {

        /**
         * Against the floor's inserts (two indexes) and those of the floor of batchcall's rows (the recipients' own
         * indexes and checks, {@link ModelFloor}): what the rows of a submit cost with no request around them.
         */
        List<Figure> figures(double floorInsertsPerSecond, double rowsFloorInsertsPerSecond) {
            return List.of(
                    Figure.of("submit", "latency p50", "ms", latency.p50()).atMost(300, "p50 <= 300 ms"),
                    Figure.of("submit", "latency p99", "ms", latency.p99()),
                    Figure.of("submit", "recipients stored", "/s", recipientsPerSecond)
                            .against("floor inserts", floorInsertsPerSecond),
                    Figure.of("submit", "recipients stored", "/s", recipientsPerSecond)
                            .against("floor of batchcall's rows, inserts", rowsFloorInsertsPerSecond),
                    Figure.of("submit", "JIT compile time while measured", "s", measured.compileSeconds())
                            .against("the measured submits", measured.seconds()),
                    Figure.of("submit", "warm-up rounds before it", "", warmUp.size()));
        }

        Map<String, Object> details() {
            return Map.of("batches", batchIds.size(), "latency_ms", latency,
                    "recipients_per_second", recipientsPerSecond, "warm_up_rounds", warmUp, "measured", measured);
        }
    }

    Result run() {
        var workspace = api.createWorkspace("bench-submit", 20);
        var tomorrow = Optional.of(Instant.now().plus(1, ChronoUnit.DAYS).getEpochSecond());
        int recipients = sizes.submitRecipients();
        List<WarmUpRounds.Round> warmUp = sizes.submitWarmUp() == 0 ? List.of() // 0 measures a cold server
                : WarmUpRounds.untilSettled("submit", sizes.submitWarmUpRounds(), () -> api.metrics().compileSeconds(),
                        round -> {
                            for (int i = 0; i < sizes.submitWarmUp(); i++) {
                                api.submit(workspace, BatchBody.of(workspace, "warm-up " + round + "." + i, recipients,
                                        BatchBody.customer(), Optional.empty(), tomorrow));
                            }
                        });
        var ids = new ArrayList<String>();
        var millis = new ArrayList<Double>();
        var measured = WarmUpRounds.timed(() -> api.metrics().compileSeconds(), () -> {
            for (int i = 0; i < sizes.submitBatches(); i++) {
                var body = BatchBody.of(workspace, "submit " + i, recipients, BatchBody.customer(), Optional.empty(),
                        tomorrow);
                var response = api.submit(workspace, body);
                millis.add(response.millis());
                ids.add(response.json().get("id").asText());
            }
        });
        double totalSeconds = millis.stream().mapToDouble(Double::doubleValue).sum() / 1000;
        return new Result(workspace, ids, Latencies.of(millis), recipients * sizes.submitBatches() / totalSeconds,
                warmUp, measured);
    }
}
