package io.batchcall.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Scenario 4, dispatch: {@code dispatchRecipients} simulated recipients with zero ring and talk time at
 * concurrency {@code dispatchConcurrency} (the workspace's limit and each batch's target; the agent has no limit
 * of its own, so the workspace's applies). The rate is recipients taken from pending to a final status per second,
 * from the first claim to the last end as the server stamped them on the attempts, so polling adds nothing. Also
 * the database transactions per recipient over the whole run (the submits and the harness's polls included: a
 * few dozen).
 */
final class DispatchScenario {
    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    private final ApiClient api;
    private final BenchDatabase database;
    private final Sizes sizes;

    DispatchScenario(ApiClient api, BenchDatabase database, Sizes sizes) {
        this.api = api;
        this.database = database;
        this.sizes = sizes;
    }

    /** What a dispatcher achieved: batchcall here, the floor and db-scheduler in their baselines. */
    record Rate(int recipients, Duration elapsed, BenchDatabase.TransactionCounts transactions) {
        double perSecond() {
            return recipients / (elapsed.toNanos() / 1e9);
        }

        double writesPerRecipient() {
            return transactions.writes() / (double) recipients;
        }

        double commitsPerRecipient() {
            return transactions.commits() / (double) recipients;
        }

        Map<String, Object> details() {
            return Map.of("recipients", recipients, "seconds", elapsed.toMillis() / 1000.0,
                    "recipients_per_second", perSecond(), "write_transactions", transactions.writes(),
                    "commits", transactions.commits(), "write_transactions_per_recipient", writesPerRecipient(),
                    "commits_per_recipient", commitsPerRecipient());
        }
    }

    static List<Figure> figures(Rate batchcall, Rate floor, Rate peer) {
        double rate = batchcall.perSecond();
        return List.of(
                Figure.of("dispatch", "recipients/s", "/s", rate).atLeast(1_000, ">= 1,000/s"),
                Figure.of("dispatch", "recipients/s vs floor", "/s", rate).against("floor", floor.perSecond())
                        .ratioAtLeast(0.5, ">= 0.5 x floor"),
                Figure.of("dispatch", "recipients/s vs peer", "/s", rate).against("db-scheduler", peer.perSecond())
                        .ratioAtLeast(2, ">= 2 x db-scheduler"),
                Figure.of("dispatch", "write transactions/recipient", "", batchcall.writesPerRecipient())
                        .against("floor", floor.writesPerRecipient()),
                Figure.of("dispatch", "write transactions/recipient", "", batchcall.writesPerRecipient())
                        .against("db-scheduler", peer.writesPerRecipient()),
                Figure.of("dispatch", "commits/recipient (all)", "", batchcall.commitsPerRecipient())
                        .against("floor", floor.commitsPerRecipient()),
                Figure.of("dispatch", "commits/recipient (all)", "", batchcall.commitsPerRecipient())
                        .against("db-scheduler", peer.commitsPerRecipient()));
    }

    Rate run() {
        int concurrency = sizes.dispatchConcurrency();
        var workspace = api.createWorkspace("bench-dispatch", concurrency);
        var runs = new BatchRuns(api);
        var bodies = BatchRuns.bodies(workspace, "dispatch", sizes.dispatchRecipients(), BatchBody.simulated(0, 0),
                concurrency);
        var before = database.transactions(sizes.statsSettle());
        var ids = runs.submit(workspace, bodies);
        runs.awaitCompleted(workspace, ids, TIMEOUT);
        var after = database.transactions(sizes.statsSettle());
        var attempts = runs.completedAttempts(workspace, ids, sizes.dispatchRecipients());
        long firstClaim = attempts.stream().mapToLong(ApiClient.Attempt::claimedAt).min().orElseThrow();
        long lastEnd = attempts.stream().mapToLong(a -> a.endedAt().orElseThrow()).max().orElseThrow();
        return new Rate(sizes.dispatchRecipients(), Duration.ofMillis(Math.max(1, lastEnd - firstClaim)),
                after.minus(before));
    }
}
