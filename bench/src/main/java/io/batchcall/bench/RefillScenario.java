package io.batchcall.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
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

    /**
     * The gap and its two parts, split at the refilling attempt's {@code claimed_at}, which the server stamps after
     * the claim's reads and before its writes: from the k-th end to there (the end stored, the dispatcher woken,
     * the claim's lock and reads), and from there to the dial (the claim's writes and commit, the dial gate's read).
     */
    record Result(Latencies gap, Latencies endToClaim, Latencies claimToDial, double lineUtilization) {
        List<Figure> figures() {
            return List.of(
                    Figure.of("refill", "end to next dial p50", "ms", gap.p50()),
                    Figure.of("refill", "end to next dial p99", "ms", gap.p99()).atMost(100, "p99 <= 100 ms"),
                    Figure.of("refill", "of which end to its claim p50", "ms", endToClaim.p50()),
                    Figure.of("refill", "of which end to its claim p99", "ms", endToClaim.p99()),
                    Figure.of("refill", "of which claim to dial p50", "ms", claimToDial.p50()),
                    Figure.of("refill", "of which claim to dial p99", "ms", claimToDial.p99()),
                    Figure.of("refill", "line utilization", "%", lineUtilization * 100));
        }

        Map<String, Object> details() {
            return Map.of("gap_ms", gap, "end_to_claim_ms", endToClaim, "claim_to_dial_ms", claimToDial,
                    "line_utilization", lineUtilization);
        }
    }

    /** The gaps of {@link Result}, each in milliseconds, in the order of the ends. */
    record Gaps(List<Double> endToDial, List<Double> endToClaim, List<Double> claimToDial) {}

    /**
     * Pairs the k-th end (in time order) with the (concurrency + k)-th dial, the one that refills its line, and
     * splits the gap at that dial's claim. Which end freed which line is not recorded, so the pairing is by order:
     * a claim may come before "its" end when another line freed first, and then its part is negative.
     */
    static Gaps gaps(List<ApiClient.Attempt> attempts, int concurrency) {
        var ends = attempts.stream().mapToLong(a -> a.endedAt().orElseThrow()).sorted().toArray();
        var byDial = attempts.stream()
                .sorted(Comparator.comparingLong(RefillScenario::dialedAt))
                .toList();
        var gaps = new Gaps(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int k = 0; k + concurrency < byDial.size(); k++) {
            var refill = byDial.get(k + concurrency);
            gaps.endToDial().add((double) (dialedAt(refill) - ends[k]));
            gaps.endToClaim().add((double) (refill.claimedAt() - ends[k]));
            gaps.claimToDial().add((double) (dialedAt(refill) - refill.claimedAt()));
        }
        return gaps;
    }

    /** When the call was dialed; a call that never was (it ended at the dial gate) counts from its claim. */
    private static long dialedAt(ApiClient.Attempt attempt) {
        return attempt.dialedAt().orElse(attempt.claimedAt());
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
        var gaps = gaps(attempts, concurrency);
        long first = attempts.stream().mapToLong(ApiClient.Attempt::claimedAt).min().orElseThrow();
        long last = attempts.stream().mapToLong(a -> a.endedAt().orElseThrow()).max().orElseThrow();
        double busy = (double) recipients * sizes.refillTalk().toMillis();
        double available = (double) concurrency * (last - first);
        return new Result(Latencies.of(gaps.endToDial()), Latencies.of(gaps.endToClaim()),
                Latencies.of(gaps.claimToDial()), busy / available);
    }
}
