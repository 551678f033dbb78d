package io.batchcall.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Scenario 5, refill: one batch of {@code refillRecipients} at concurrency {@code refillConcurrency}, every call
 * answered at once and talking {@code refillTalk}. Every line is busy from the start, so each end frees a slot
 * that the next dial fills: the k-th end (in time order) is refilled by dial number concurrency + k. The gap
 * between the two, from the attempts' server-side timestamps, is how long a line stayed idle.
 */
final class RefillScenario {
    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    private final ApiClient api;
    private final Sizes sizes;

    RefillScenario(ApiClient api, Sizes sizes) {
        this.api = api;
        this.sizes = sizes;
    }

    record Result(Latencies gap, double lineUtilization) {
        List<Figure> figures() {
            return List.of(
                    Figure.of("refill", "end to next dial p50", "ms", gap.p50()),
                    Figure.of("refill", "end to next dial p99", "ms", gap.p99()).atMost(100, "p99 <= 100 ms"),
                    Figure.of("refill", "line utilization", "%", lineUtilization * 100));
        }

        Map<String, Object> details() {
            return Map.of("gap_ms", gap, "line_utilization", lineUtilization);
        }
    }

    Result run() {
        int concurrency = sizes.refillConcurrency();
        int recipients = Math.min(sizes.refillRecipients(), Sizes.MAX_BATCH);
        if (recipients <= concurrency) {
            throw new IllegalArgumentException("refill-recipients must exceed refill-concurrency");
        }
        var workspace = api.createWorkspace("bench-refill", concurrency);
        var runs = new BatchRuns(api);
        var ids = runs.submit(workspace, BatchRuns.bodies(workspace, "refill", recipients,
                BatchBody.simulated(0, sizes.refillTalk().toMillis()), concurrency));
        runs.awaitCompleted(workspace, ids, TIMEOUT);
        var attempts = runs.completedAttempts(workspace, ids, recipients);
        var ends = attempts.stream().mapToLong(a -> a.endedAt().orElseThrow()).sorted().toArray();
        var dials = attempts.stream().mapToLong(a -> a.dialedAt().orElse(a.claimedAt())).sorted().toArray();
        var gaps = new ArrayList<Double>();
        for (int k = 0; k + concurrency < dials.length; k++) {
            gaps.add((double) (dials[k + concurrency] - ends[k]));
        }
        long first = attempts.stream().mapToLong(ApiClient.Attempt::claimedAt).min().orElseThrow();
        double busy = (double) recipients * sizes.refillTalk().toMillis();
        double available = (double) concurrency * (ends[ends.length - 1] - first);
        return new Result(Latencies.of(gaps), busy / available);
    }
}
