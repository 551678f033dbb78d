package io.batchcall.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Scenario "held": one batch of {@code heldRecipients} of which nine in ten may not be called now and one in ten
 * may (every tenth position), against a plain batch of just the callable tenth, both at concurrency
 * {@code dispatchConcurrency}. Holds must not cost the dispatcher: the held batch's callable recipients should go
 * at about the plain batch's rate. The rule that holds them is the calling window, as the issue has it: the batch
 * may call from 09:00 to 17:00, and each recipient's {@code timezone} dynamic variable puts the callable tenth at
 * about noon and the others at night (fixed-offset zones, so that the scenario does not depend on the date). Each
 * rate is recipients per second from the first claim to the last end, as the server stamped them on the attempts.
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

    record Result(int recipients, int callable, double heldRate, double plainRate, int heldDialed) {
        List<Figure> figures() {
            return List.of(Figure.of("held", "callable recipients/s (" + callable + " of " + recipients + ")", "/s",
                            heldRate)
                    .against("plain batch of " + callable, plainRate)
                    .ratioAtLeast(0.8, ">= 0.8 x plain"),
                    Figure.of("held", "held recipients dialed", "", heldDialed).atMost(0, "0"));
        }

        Map<String, Object> details() {
            return Map.of("recipients", recipients, "callable", callable, "held_recipients_per_second", heldRate,
                    "plain_recipients_per_second", plainRate, "ratio", heldRate / plainRate,
                    "held_recipients_dialed", heldDialed);
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
        var runs = new BatchRuns(api);
        int utcHour = java.time.Instant.now().atZone(java.time.ZoneOffset.UTC).getHour();
        // Local noon for the callable tenth; local midnight (or 01:00, where the zones run out) for the others.
        var noon = etcZone(12 - utcHour);
        var night = etcZone(utcHour <= 12 ? -utcHour : 24 - utcHour);
        java.util.function.IntFunction<com.fasterxml.jackson.databind.node.ObjectNode> variables =
                i -> simulated.apply(i).put("timezone", callable(i) ? noon : night);
        var body = BatchBody.with(BatchBody.of(workspace, "held", recipients, variables, Optional.of(concurrency),
                Optional.empty(), i -> i), "calling_window", ApiClient.JSON.createObjectNode()
                .put("start", "09:00").put("end", "17:00"));
        var batch = runs.submit(workspace, List.of(body)).getFirst();
        if (held <= 0) {
            throw new IllegalStateException("held: a batch of " + recipients + " holds nobody");
        }
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
        // A held recipient dialed is the server's defect, not the harness's: a figure (target 0), not a failure.
        int heldDialed = Math.max(0, attempts.size() - callable);
        var ended = attempts.stream().filter(a -> a.endedAt().isPresent()).toList();
        api.deleteBatch(workspace, batch);
        return new Result(recipients, callable, rate(ended), plainRate, heldDialed);
    }

    /** {@code Etc/GMT-5} is five hours ahead of UTC: the IANA names count the other way; they go from -14 to +12. */
    private static String etcZone(int offsetHours) {
        int offset = Math.max(-12, Math.min(14, offsetHours));
        return offset == 0 ? "Etc/UTC" : "Etc/GMT" + (offset > 0 ? "-" : "+") + Math.abs(offset);
    }

    private static double rate(List<ApiClient.Attempt> attempts) {
        long firstClaim = attempts.stream().mapToLong(ApiClient.Attempt::claimedAt).min().orElseThrow();
        long lastEnd = attempts.stream().mapToLong(a -> a.endedAt().orElseThrow()).max().orElseThrow();
        return attempts.size() / (Math.max(1, lastEnd - firstClaim) / 1e3);
    }
}
