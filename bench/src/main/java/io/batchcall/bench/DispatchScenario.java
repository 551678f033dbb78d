package io.batchcall.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

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
    /** Every node that dispatches, {@code api}'s first: whose JIT the warm-up waits for. */
    private final List<ApiClient> nodes;
    /** The server's CPU time, its JVM's and its PostgreSQL's, when the harness started it (one node only). */
    private final Optional<Supplier<ProcessCpu.Split>> cpu;

    DispatchScenario(ApiClient api, BenchDatabase database, Sizes sizes) {
        this(api, database, sizes, List.of(api), Optional.empty());
    }

    DispatchScenario(ApiClient api, BenchDatabase database, Sizes sizes, ServerProcess server) {
        this(api, database, sizes, List.of(api), Optional.of(server::cpuSplit));
    }

    DispatchScenario(ApiClient api, BenchDatabase database, Sizes sizes, List<ApiClient> nodes) {
        this(api, database, sizes, nodes, Optional.empty());
    }

    private DispatchScenario(ApiClient api, BenchDatabase database, Sizes sizes, List<ApiClient> nodes,
                             Optional<Supplier<ProcessCpu.Split>> cpu) {
        this.cpu = cpu;
        this.api = api;
        this.database = database;
        this.sizes = sizes;
        if (nodes.isEmpty() || nodes.get(0) != api) {
            throw new IllegalArgumentException("nodes must start with api, whose claim time is measured");
        }
        this.nodes = List.copyOf(nodes);
    }

    /**
     * What a dispatcher achieved: batchcall here, the floor and db-scheduler in their baselines. {@code cpu}: the CPU
     * the dispatcher's process (batchcall's JVM; for a baseline, the harness's JVM, its client) and PostgreSQL used
     * from its recipients' insert (batchcall's submit) to its last end; none where the harness does not read it (two
     * nodes, a curve's other points).
     */
    record Rate(int recipients, Duration elapsed, BenchDatabase.TransactionCounts transactions, TableWrites written,
                Optional<ProcessCpu.Split> cpu) {
        double perSecond() {
            return recipients / (elapsed.toNanos() / 1e9);
        }

        double writesPerRecipient() {
            return transactions.writes() / (double) recipients;
        }

        double commitsPerRecipient() {
            return transactions.commits() / (double) recipients;
        }

        /**
         * CPU milliseconds per recipient, of the dispatcher's JVM or of PostgreSQL. CPU time, not time waited: on a
         * shared machine it moves far less with the load than the rate does, so two builds compare by it in fewer runs.
         */
        Optional<Double> cpuMillisPerRecipient(java.util.function.Function<ProcessCpu.Split, Duration> part) {
            return cpu.map(split -> part.apply(split).toNanos() / 1e6 / recipients);
        }

        Map<String, Object> details() {
            var details = new java.util.LinkedHashMap<String, Object>(Map.of("recipients", recipients, "seconds",
                    elapsed.toMillis() / 1000.0, "recipients_per_second", perSecond(), "write_transactions",
                    transactions.writes(), "commits", transactions.commits(), "write_transactions_per_recipient",
                    writesPerRecipient(), "commits_per_recipient", commitsPerRecipient(), "written",
                    written.details(recipients)));
            cpuMillisPerRecipient(ProcessCpu.Split::jvm).ifPresent(ms -> details.put("jvm_cpu_ms_per_recipient", ms));
            cpuMillisPerRecipient(ProcessCpu.Split::database)
                    .ifPresent(ms -> details.put("database_cpu_ms_per_recipient", ms));
            return details;
        }
    }

    /**
     * Where batchcall's time went, from the attempts: claim to dial and dial to end per attempt, and how many
     * claims (distinct claim instants, to the millisecond) took the recipients.
     */
    record Result(Rate rate, Latencies claimToDial, Latencies dialToEnd, int claims, int failedPolls,
                  double claimSeconds, double compileSeconds, List<WarmUpRounds.Round> warmUp) {
        /**
         * CPU milliseconds per recipient, of the JVM or of PostgreSQL, from the submit to the last end (the submit
         * of the recipients and the harness's polls included).
         */
        Optional<Double> cpuMillisPerRecipient(java.util.function.Function<ProcessCpu.Split, Duration> part) {
            return rate.cpuMillisPerRecipient(part);
        }

        /**
         * The claim time of the node the harness asks, per recipient dispatched: what bounds one workspace's rate on
         * one node (with two nodes, each claims a part, so this is that node's share).
         */
        double claimMillisPerRecipient() {
            return claimSeconds * 1000 / rate.recipients();
        }

        Map<String, Object> details() {
            var details = new java.util.LinkedHashMap<String, Object>(rate.details());
            details.put("claim_to_dial_ms", claimToDial);
            details.put("dial_to_end_ms", dialToEnd);
            details.put("claims", claims);
            details.put("claim_seconds", claimSeconds);
            details.put("claim_ms_per_recipient", claimMillisPerRecipient());
            details.put("jit_compile_seconds", compileSeconds);
            details.put("warm_up_rounds", warmUp);
            details.put("polls_answered_5xx", failedPolls);
            return details;
        }
    }

    static List<Figure> figures(Result result, Rate floor, Rate peer, Rate modelFloor) {
        var batchcall = result.rate();
        double rate = batchcall.perSecond();
        var figures = new java.util.ArrayList<>(List.of(
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
                        .against("db-scheduler", peer.commitsPerRecipient()),
                // The floor of batchcall's own rows (ModelFloor): what any code writing them reaches here, and so
                // how far the targets above are within reach of this write model.
                Figure.of("dispatch", "recipients/s vs the floor of its rows", "/s", rate)
                        .against("floor of batchcall's rows", modelFloor.perSecond()),
                Figure.of("dispatch", "floor of batchcall's rows vs peer", "/s", modelFloor.perSecond())
                        .against("db-scheduler", peer.perSecond()),
                Figure.of("dispatch", "floor of batchcall's rows vs floor", "/s", modelFloor.perSecond())
                        .against("floor", floor.perSecond()),
                // What each wrote: on two cores the rates follow it (TableWrites).
                Figure.of("dispatch", "row versions/recipient", "", batchcall.written().rowVersionsPer(
                        batchcall.recipients())).against("floor", floor.written().rowVersionsPer(floor.recipients())),
                Figure.of("dispatch", "row versions/recipient", "", batchcall.written().rowVersionsPer(
                        batchcall.recipients())).against("db-scheduler", peer.written().rowVersionsPer(
                        peer.recipients())),
                Figure.of("dispatch", "index entries/recipient (at most)", "", batchcall.written().indexEntriesPer(
                        batchcall.recipients())).against("floor", floor.written().indexEntriesPer(
                        floor.recipients())),
                Figure.of("dispatch", "row versions/recipient", "", batchcall.written().rowVersionsPer(
                        batchcall.recipients())).against("floor of batchcall's rows", modelFloor.written()
                        .rowVersionsPer(modelFloor.recipients())),
                Figure.of("dispatch", "index entries/recipient (at most)", "", batchcall.written().indexEntriesPer(
                        batchcall.recipients())).against("floor of batchcall's rows", modelFloor.written()
                        .indexEntriesPer(modelFloor.recipients())),
                Figure.of("dispatch", "index entries/recipient (at most)", "", batchcall.written().indexEntriesPer(
                        batchcall.recipients())).against("db-scheduler", peer.written().indexEntriesPer(
                        peer.recipients())),
                Figure.of("dispatch", "claim to dial p50", "ms", result.claimToDial().p50()),
                Figure.of("dispatch", "dial to end p50", "ms", result.dialToEnd().p50()),
                Figure.of("dispatch", "dial to end p99", "ms", result.dialToEnd().p99()),
                Figure.of("dispatch", "recipients per claim", "", batchcall.recipients() / (double) result.claims()),
                Figure.of("dispatch", "claim time per recipient", "ms", result.claimMillisPerRecipient()),
                // How warm the server was: JIT compile time from the submit to the last end (of the node that
                // compiled most, with two), against the run's length (a share above 0.1 x or so means the rate is
                // that of a server still compiling).
                Figure.of("dispatch", "JIT compile time in the run", "s", result.compileSeconds())
                        .against("the run", batchcall.elapsed().toMillis() / 1000.0),
                Figure.of("dispatch", "warm-up rounds before it", "", result.warmUp().size()),
                Figure.of("dispatch", "list requests answered 5xx", "", result.failedPolls())));
        result.cpuMillisPerRecipient(ProcessCpu.Split::jvm).ifPresent(ms ->
                figures.add(Figure.of("dispatch", "CPU per recipient, batchcall's JVM", "ms", ms)));
        result.cpuMillisPerRecipient(ProcessCpu.Split::database).ifPresent(ms ->
                figures.add(Figure.of("dispatch", "CPU per recipient, PostgreSQL", "ms", ms)));
        // The same CPU against each baseline's: how much of batchcall's cost per recipient is the rows it writes
        // (the floor of its rows) and how much is its own reads and statements. A baseline's JVM is its client.
        for (var baseline : List.of(Map.entry("floor of batchcall's rows", modelFloor), Map.entry("floor", floor),
                Map.entry("db-scheduler", peer))) {
            result.cpuMillisPerRecipient(ProcessCpu.Split::database).ifPresent(ms -> baseline.getValue()
                    .cpuMillisPerRecipient(ProcessCpu.Split::database).ifPresent(theirs -> figures.add(Figure.of(
                            "dispatch", "CPU per recipient, PostgreSQL", "ms", ms).against(baseline.getKey(), theirs))));
        }
        result.cpuMillisPerRecipient(ProcessCpu.Split::jvm).ifPresent(ms -> modelFloor
                .cpuMillisPerRecipient(ProcessCpu.Split::jvm).ifPresent(theirs -> figures.add(Figure.of("dispatch",
                        "CPU per recipient, the dispatcher's JVM", "ms", ms).against("floor of batchcall's rows, its"
                        + " client", theirs))));
        return List.copyOf(figures);
    }

    Result run() {
        int concurrency = sizes.dispatchConcurrency();
        var runs = new BatchRuns(api);
        var warmUp = warmUp(runs, concurrency);
        var workspace = api.createWorkspace("bench-dispatch", concurrency);
        var bodies = BatchRuns.bodies(workspace, "dispatch", sizes.dispatchRecipients(), BatchBody.simulated(0, 0),
                concurrency);
        var before = database.transactions(sizes.statsSettle());
        var writtenBefore = database.tableWrites("public");
        var metricsBefore = nodeMetrics();
        var cpuBefore = cpu.map(Supplier::get);
        var ids = runs.submit(workspace, bodies);
        int failedPolls = runs.awaitCompleted(workspace, ids, TIMEOUT);
        var cpuUsed = cpu.map(Supplier::get).flatMap(after -> cpuBefore.map(after::minus));
        var after = database.transactions(sizes.statsSettle());
        var written = database.tableWrites("public").minus(writtenBefore);
        var metricsAfter = nodeMetrics();
        // The claim time is api's alone (nodes' first), as the result's claim time per recipient says.
        double claimSeconds = metricsAfter.get(0).claimSeconds() - metricsBefore.get(0).claimSeconds();
        double compileSeconds = WarmUpRounds.mostCompiling(compiled(metricsBefore), compiled(metricsAfter));
        var attempts = runs.completedAttempts(workspace, ids, sizes.dispatchRecipients());
        long firstClaim = attempts.stream().mapToLong(ApiClient.Attempt::claimedAt).min().orElseThrow();
        long lastEnd = attempts.stream().mapToLong(a -> a.endedAt().orElseThrow()).max().orElseThrow();
        var rate = new Rate(sizes.dispatchRecipients(), Duration.ofMillis(Math.max(1, lastEnd - firstClaim)),
                after.minus(before), written, cpuUsed);
        var claimToDial = attempts.stream().map(a -> (double) (a.dialedAt().orElseThrow() - a.claimedAt())).toList();
        var dialToEnd = attempts.stream()
                .map(a -> (double) (a.endedAt().orElseThrow() - a.dialedAt().orElseThrow())).toList();
        int claims = (int) attempts.stream().mapToLong(ApiClient.Attempt::claimedAt).distinct().count();
        return new Result(rate, Latencies.of(claimToDial), Latencies.of(dialToEnd), claims, failedPolls, claimSeconds,
                compileSeconds, warmUp);
    }

    /**
     * Dispatches {@code dispatchWarmUp} recipients the same way in a workspace of their own and waits for them, so
     * that the measured run meets a server whose JIT has compiled its dispatch paths (every node's, with two nodes),
     * as the submit, get and list scenarios' warm-up requests do for theirs; again, up to {@code dispatchWarmUpRounds}
     * times, while the JIT of any node still compiled for more than a tenth of the last round ({@link WarmUpRounds}):
     * a second node started for the measurement is fresh while the first has settled.
     */
    private List<WarmUpRounds.Round> warmUp(BatchRuns runs, int concurrency) {
        if (sizes.dispatchWarmUp() == 0) {
            return List.of();
        }
        var workspace = api.createWorkspace("bench-dispatch-warm-up", concurrency);
        return WarmUpRounds.until(sizes.dispatchWarmUpRounds(), round -> {
            var compiledBefore = compileSeconds();
            long started = System.nanoTime();
            var ids = runs.submit(workspace, BatchRuns.bodies(workspace, "warm-up " + round, sizes.dispatchWarmUp(),
                    BatchBody.simulated(0, 0), concurrency));
            runs.awaitCompleted(workspace, ids, TIMEOUT);
            var done = new WarmUpRounds.Round((System.nanoTime() - started) / 1e9,
                    WarmUpRounds.mostCompiling(compiledBefore, compileSeconds()));
            System.out.printf(java.util.Locale.ROOT,
                    "   dispatch warm-up round %d: the JIT compiled for %.2f x its %.1f s%n", round + 1,
                    done.compileShare(), done.seconds());
            return done;
        });
    }

    /** Each node's JIT compile time so far, in seconds, in the order of {@link #nodes}. */
    private double[] compileSeconds() {
        return compiled(nodeMetrics());
    }

    /** Each node's {@code /metrics}, read once, in the order of {@link #nodes} ({@code api}'s first). */
    private List<ServerMetrics> nodeMetrics() {
        return nodes.stream().map(ApiClient::metrics).toList();
    }

    private static double[] compiled(List<ServerMetrics> metrics) {
        return metrics.stream().mapToDouble(ServerMetrics::compileSeconds).toArray();
    }
}
