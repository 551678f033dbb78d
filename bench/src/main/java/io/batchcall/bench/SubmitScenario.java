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
 * pending (nothing dials them); the get scenario reads one of them. The {@code submit-warm-up} submits before them
 * are not counted.
 */
final class SubmitScenario {
    private final ApiClient api;
    private final Sizes sizes;

    SubmitScenario(ApiClient api, Sizes sizes) {
        this.api = api;
        this.sizes = sizes;
    }

    record Result(ApiClient.Workspace workspace, List<String> batchIds, Latencies latency,
                  double recipientsPerSecond) {

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
                            .against("floor of batchcall's rows, inserts", rowsFloorInsertsPerSecond));
        }

        Map<String, Object> details() {
            return Map.of("batches", batchIds.size(), "latency_ms", latency,
                    "recipients_per_second", recipientsPerSecond);
        }
    }

    Result run() {
        var workspace = api.createWorkspace("bench-submit", 20);
        var tomorrow = Optional.of(Instant.now().plus(1, ChronoUnit.DAYS).getEpochSecond());
        int recipients = sizes.submitRecipients();
        for (int i = 0; i < sizes.submitWarmUp(); i++) {
            api.submit(workspace, BatchBody.of(workspace, "warm-up " + i, recipients, BatchBody.customer(),
                    Optional.empty(), tomorrow));
        }
        var ids = new ArrayList<String>();
        var millis = new ArrayList<Double>();
        for (int i = 0; i < sizes.submitBatches(); i++) {
            var body = BatchBody.of(workspace, "submit " + i, recipients, BatchBody.customer(), Optional.empty(),
                    tomorrow);
            var response = api.submit(workspace, body);
            millis.add(response.millis());
            ids.add(response.json().get("id").asText());
        }
        double totalSeconds = millis.stream().mapToDouble(Double::doubleValue).sum() / 1000;
        return new Result(workspace, ids, Latencies.of(millis), recipients * sizes.submitBatches() / totalSeconds);
    }
}
