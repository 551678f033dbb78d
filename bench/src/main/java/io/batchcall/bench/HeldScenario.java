package io.batchcall.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Scenario "held": one batch of {@code heldRecipients} of which nine in ten may not be called now and one in ten
 * may (every tenth position), against a plain batch of just the callable tenth, both at concurrency
 * {@code dispatchConcurrency}. Holds must not cost the dispatcher: the held batch's callable recipients should go
 * at about the plain batch's rate. Until the calling-window engine is wired in, the rule that holds them is the one
 * the claim enforces today, a frequency cap: the workspace allows one call a day per number, and a first batch
 * (not measured) has called the nine tenths' numbers. Each rate is recipients per second from the first claim to the
 * last end, as the server stamped them on the attempts.
 */
final class HeldScenario {
    private static final Duration TIMEOUT = Duration.ofMinutes(30);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    private final ApiClient api;
    private final Sizes sizes;

    HeldScenario(ApiClient api, Sizes sizes) {
        this.api = api;
        this.sizes = sizes;
    }

    record Result(int recipients, int callable, double heldRate, double plainRate) {
        List<Figure> figures() {
            return List.of(Figure.of("held", "callable recipients/s (" + callable + " of " + recipients + ")", "/s",
                            heldRate)
                    .against("plain batch of " + callable, plainRate)
                    .ratioAtLeast(0.8, ">= 0.8 x plain"));
        }

        Map<String, Object> details() {
            return Map.of("recipients", recipients, "callable", callable, "held_recipients_per_second", heldRate,
                    "plain_recipients_per_second", plainRate, "ratio", heldRate / plainRate);
        }
    }

    /** Whether the i-th recipient of the held batch may be called: every tenth. */
    private static boolean callable(int i) {
        return i % 10 == 9;
    }

    Result run() {
        int concurrency = sizes.dispatchConcurrency();
        int recipients = sizes.heldRecipients();
        int callable = recipients / 10;
        int held = recipients - callable;
        var simulated = BatchBody.simulated(0, 0);

        var plainWorkspace = api.createWorkspace("bench-held-plain", concurrency);
        var plainRuns = new BatchRuns(api);
        var plainIds = plainRuns.submit(plainWorkspace, List.of(BatchBody.of(plainWorkspace, "plain", callable,
                simulated, Optional.of(concurrency), Optional.empty(), i -> i * 10 + 9)));
        plainRuns.awaitCompleted(plainWorkspace, plainIds, TIMEOUT);
        double plainRate = rate(plainRuns.completedAttempts(plainWorkspace, plainIds, callable));

        var workspace = api.createWorkspace("bench-held", concurrency);
        api.putFrequencyCap(workspace, 1, 86_400);
        var runs = new BatchRuns(api);
        // The j-th number not callable in the held batch: positions 0..8, 10..18, ...
        var warmUp = runs.submit(workspace, List.of(BatchBody.of(workspace, "held warm-up", held, simulated,
                Optional.of(concurrency), Optional.empty(), j -> j / 9 * 10 + j % 9)));
        runs.awaitCompleted(workspace, warmUp, TIMEOUT);

        var batch = runs.submit(workspace, List.of(BatchBody.of(workspace, "held", recipients, simulated,
                Optional.of(concurrency), Optional.empty(), i -> i))).getFirst();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        List<ApiClient.Attempt> attempts;
        while (true) {
            Pause.of(POLL_INTERVAL);
            attempts = api.attempts(workspace, batch);
            if (attempts.stream().filter(a -> a.endedAt().isPresent()).count() >= callable) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("held: " + attempts.size() + " of " + callable
                        + " callable recipients dialed within " + TIMEOUT);
            }
        }
        // A little longer: a held recipient dialed by mistake would show up here.
        Pause.of(Duration.ofMillis(500));
        attempts = api.attempts(workspace, batch);
        if (attempts.size() != callable || attempts.stream().anyMatch(a -> a.outcome().filter("completed"::equals)
                .isEmpty())) {
            throw new IllegalStateException("held: expected " + callable + " completed attempts, found "
                    + attempts.size());
        }
        api.deleteBatch(workspace, batch);
        return new Result(recipients, callable, rate(attempts), plainRate);
    }

    private static double rate(List<ApiClient.Attempt> attempts) {
        long firstClaim = attempts.stream().mapToLong(ApiClient.Attempt::claimedAt).min().orElseThrow();
        long lastEnd = attempts.stream().mapToLong(a -> a.endedAt().orElseThrow()).max().orElseThrow();
        return attempts.size() / (Math.max(1, lastEnd - firstClaim) / 1e3);
    }
}
