package io.batchcall.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
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
 *
 * <p>The plain batch is two claims' worth at the full run's sizes (1,000 recipients at concurrency 500), so one
 * pair's ratio is a couple of seconds of a shared machine: it moved between 0.49x and 1.10x over full runs of the
 * same code, and between 0.68x and 1.43x over ten rounds in one run. So the pair is run {@code held-rounds} times,
 * alternating which of the two goes first, so that whatever one batch leaves behind for the next (autovacuum of its
 * rows, say) does not always fall on the same side; the figure is the round whose ratio is the median.
 */
final class HeldScenario {
    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    private final ApiClient api;
    private final Sizes sizes;

    HeldScenario(ApiClient api, Sizes sizes) {
        this.api = api;
        this.sizes = sizes;
    }

    /** One pair: the held batch's callable rate, the plain batch's rate, and which of them ran first. */
    record Round(double heldRate, double plainRate, boolean heldFirst, int heldDialed) {
        double ratio() {
            return heldRate / plainRate;
        }

        Map<String, Object> details() {
            return Map.of("held_recipients_per_second", heldRate, "plain_recipients_per_second", plainRate,
                    "ratio", ratio(), "first", heldFirst ? "held" : "plain", "held_recipients_dialed", heldDialed);
        }
    }

    record Result(int recipients, int callable, List<Round> rounds) {
        Result {
            rounds = List.copyOf(rounds);
            if (rounds.isEmpty()) {
                throw new IllegalArgumentException("held: no round was run");
            }
        }

        /** The round whose ratio is the median (of an even number, the lower of the middle two). */
        Round median() {
            var byRatio = rounds.stream().sorted(Comparator.comparingDouble(Round::ratio)).toList();
            return byRatio.get((byRatio.size() - 1) / 2);
        }

        /** Held recipients dialed over every round: any of them is a defect, whichever round it was in. */
        int heldDialed() {
            return rounds.stream().mapToInt(Round::heldDialed).sum();
        }

        List<Figure> figures() {
            var median = median();
            String of = rounds.size() == 1 ? "" : ", the median of " + rounds.size() + " alternated rounds";
            return List.of(Figure.of("held", "callable recipients/s (" + callable + " of " + recipients + of + ")",
                            "/s", median.heldRate())
                    .against("plain batch of " + callable, median.plainRate())
                    .ratioAtLeast(0.8, ">= 0.8 x plain"),
                    Figure.of("held", "held recipients dialed", "", heldDialed()).atMost(0, "0"));
        }

        Map<String, Object> details() {
            var median = median();
            return Map.of("recipients", recipients, "callable", callable,
                    "held_recipients_per_second", median.heldRate(),
                    "plain_recipients_per_second", median.plainRate(), "ratio", median.ratio(),
                    "held_recipients_dialed", heldDialed(),
                    "rounds", rounds.stream().map(Round::details).toList());
        }
    }

    /** Whether round {@code index} (from 0) runs the held batch first: every other round, the plain one first. */
    static boolean heldFirst(int index) {
        return index % 2 == 1;
    }

    /** Whether the i-th recipient of the held batch may be called: every tenth. */
    private static boolean callable(int i) {
        return i % 10 == 9;
    }

    Result run() {
        // Sizes refuses fewer than 10 recipients, so nine tenths always leave somebody held.
        int recipients = sizes.heldRecipients();
        var rounds = new ArrayList<Round>();
        for (int round = 0; round < sizes.heldRounds(); round++) {
            double plainRate;
            HeldRun held;
            if (heldFirst(round)) {
                held = held(round);
                plainRate = plain(round);
            } else {
                plainRate = plain(round);
                held = held(round);
            }
            var result = new Round(held.rate(), plainRate, heldFirst(round), held.dialed());
            System.out.printf("   held round %d (%s first): %.0f /s against %.0f /s plain, %.2f x%n", round + 1,
                    result.heldFirst() ? "held" : "plain", result.heldRate(), result.plainRate(), result.ratio());
            rounds.add(result);
        }
        return new Result(recipients, recipients / 10, rounds);
    }

    /** The plain batch of the callable tenth alone, in a workspace of its own; its rate. */
    private double plain(int round) {
        int concurrency = sizes.dispatchConcurrency();
        int callable = sizes.heldRecipients() / 10;
        var plainWorkspace = api.createWorkspace("bench-held-plain-" + round, concurrency);
        var plainRuns = new BatchRuns(api);
        var plainIds = plainRuns.submit(plainWorkspace, List.of(BatchBody.of(plainWorkspace, "plain", callable,
                BatchBody.simulated(0, 0), Optional.of(concurrency), Optional.empty(), i -> i * 10 + 9)));
        plainRuns.awaitCompleted(plainWorkspace, plainIds, TIMEOUT);
        return rate(plainRuns.completedAttempts(plainWorkspace, plainIds, callable));
    }

    private record HeldRun(double rate, int dialed) {}

    /** The held batch, in a workspace of its own: its callable tenth's rate and how many held ones were dialed. */
    private HeldRun held(int round) {
        int concurrency = sizes.dispatchConcurrency();
        int recipients = sizes.heldRecipients();
        int callable = recipients / 10;
        var simulated = BatchBody.simulated(0, 0);
        var workspace = api.createWorkspace("bench-held-" + round, concurrency);
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
        // Waited for by the list page, as the plain batch is: polling the attempts (1,000 a page) ten times a
        // second took server time from the held batch alone.
        runs.awaitFinished(workspace, batch, callable, TIMEOUT);
        // A little longer: a held recipient dialed by mistake would show up here.
        Pause.of(Duration.ofMillis(500));
        var attempts = api.attempts(workspace, batch);
        // A held recipient dialed is the server's defect, not the harness's: a figure (target 0), not a failure.
        int heldDialed = Math.max(0, attempts.size() - callable);
        var ended = attempts.stream().filter(a -> a.endedAt().isPresent()).toList();
        api.deleteBatch(workspace, batch);
        return new HeldRun(rate(ended), heldDialed);
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
