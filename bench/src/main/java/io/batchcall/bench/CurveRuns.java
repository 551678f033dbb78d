package io.batchcall.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Issue 17's curves: each scenario again at the sizes of {@link CurvePlan}, the main scenario's result reused at
 * its own size. Dispatch rate by concurrency; submit latency by recipients; list and conversation-list latency by
 * rows in the workspace; live heap per 1,000 calls in flight by calls; dispatch rate with one node and with two on
 * one database (a second jar started against the first one's embedded PostgreSQL). Each extra point is a scenario
 * run with one size changed, in a workspace of its own; transaction counts are not waited for (they are the main
 * scenario's figures, not the curves').
 */
final class CurveRuns {
    private final ApiClient api;
    private final BenchDatabase database;
    private final ServerProcess server;
    private final Map<String, Long> sizes;
    private final int count;
    private final Function<Optional<String>, ServerProcess> secondNode;

    /**
     * @param secondNode starts another node of this installation against the given database URL
     */
    CurveRuns(ApiClient api, BenchDatabase database, ServerProcess server, Map<String, Long> sizes,
              Function<Optional<String>, ServerProcess> secondNode) {
        this.api = api;
        this.database = database;
        this.server = server;
        this.sizes = sizes;
        this.count = Math.toIntExact(sizes.get("curve-points"));
        this.secondNode = secondNode;
    }

    /** The main scenarios' results, reused as the curves' points at their own sizes. */
    record Main(SubmitScenario.Result submit, ListScenario.Result list,
                ConversationListScenario.Result conversations, DispatchScenario.Result dispatch,
                CapacityScenario.Result capacity) {}

    List<Curve> run(Main main) {
        return List.of(dispatch(main), submit(main), list(main), conversations(main), heap(main), nodes(main));
    }

    private Sizes with(String name, long value, String... more) {
        var values = new HashMap<>(sizes);
        values.put(name, value);
        for (int i = 0; i + 1 < more.length; i += 2) {
            values.put(more[i], Long.parseLong(more[i + 1]));
        }
        values.put("stats-settle-secs", 0L);
        return Sizes.of(values);
    }

    private static void step(String what) {
        System.out.println("   curve point: " + what);
    }

    private Curve dispatch(Main main) {
        var curve = new Curve.Builder("dispatch-by-concurrency", "Dispatch rate by concurrency", "concurrency",
                "recipients/s");
        for (var point : CurvePlan.points(CurvePlan.DISPATCH_CONCURRENCY, sizes.get("dispatch-concurrency"), count)) {
            DispatchScenario.Result result = main.dispatch();
            if (!point.measured()) {
                step("dispatch at concurrency " + point.size());
                result = new DispatchScenario(api, database, with("dispatch-concurrency", point.size())).run();
            }
            curve.add("recipients/s", point.size(), result.rate().perSecond());
        }
        return curve.build();
    }

    private Curve submit(Main main) {
        var curve = new Curve.Builder("submit-by-recipients", "Submit latency by batch size", "recipients a batch",
                "ms");
        for (var point : CurvePlan.points(CurvePlan.SUBMIT_RECIPIENTS, sizes.get("submit-recipients"), count)) {
            var result = main.submit();
            if (!point.measured()) {
                step("submit of " + point.size() + " recipients");
                result = new SubmitScenario(api, with("submit-recipients", point.size())).run();
            }
            curve.add("p50", point.size(), result.latency().p50());
            curve.add("p99", point.size(), result.latency().p99());
        }
        return curve.build();
    }

    private Curve list(Main main) {
        var curve = new Curve.Builder("list-by-rows", "Batch list latency by batches in the workspace",
                "batches", "ms");
        for (var point : CurvePlan.points(CurvePlan.LIST_ROWS, sizes.get("list-batches"), count)) {
            var result = main.list();
            if (!point.measured()) {
                step("list of " + point.size() + " batches");
                // The deep page is the main scenario's depth (half way down where there are fewer rows): the walk
                // to it is a request per page, and half of a million rows would be 5,000 of them.
                long depth = Math.min(point.size() / 2, sizes.get("list-depth"));
                result = new ListScenario(api, database, with("list-batches", point.size(), "list-depth",
                        Long.toString(depth))).run();
            }
            curve.add("first page p50", point.size(), result.firstPage().p50());
            curve.add("first page p99", point.size(), result.firstPage().p99());
            curve.add("deep page p99", point.size(), result.deepPage().p99());
        }
        return curve.build();
    }

    private Curve conversations(Main main) {
        var curve = new Curve.Builder("conversations-by-rows", "Conversation list latency by conversations",
                "conversations", "ms");
        for (var point : CurvePlan.points(CurvePlan.CONVERSATION_ROWS, sizes.get("conversations"), count)) {
            var result = main.conversations();
            if (!point.measured()) {
                step("conversation list over " + point.size() + " conversations");
                result = new ConversationListScenario(api, database, with("conversations", point.size())).run();
            }
            var measured = result.byFilter().values();
            curve.add("no filter p99", point.size(),
                    result.byFilter().values().iterator().next().http().p99());
            curve.add("slowest filter p99", point.size(),
                    measured.stream().mapToDouble(m -> m.http().p99()).max().orElse(Double.NaN));
        }
        return curve.build();
    }

    private Curve heap(Main main) {
        var curve = new Curve.Builder("heap-by-calls", "Heap per 1,000 calls in flight", "calls in flight",
                "MB per 1,000 calls");
        for (var point : CurvePlan.points(CurvePlan.CALLS_IN_FLIGHT, sizes.get("capacity-calls"), count)) {
            var result = main.capacity();
            if (!point.measured()) {
                step(point.size() + " calls in flight");
                result = new CapacityScenario(api, server, with("capacity-calls", point.size())).run();
            }
            double thousands = Math.max(1, result.peakInFlight()) / 1000.0;
            // The live heap, not the sampled heap in use: that is mostly garbage not yet collected, and would say
            // more about the collector's timing than about what a call costs.
            curve.add("live heap above idle (after full GC)", point.size(),
                    (result.liveHeapMegabytes() - result.idleHeapMegabytes()) / thousands);
        }
        return curve.build();
    }

    private Curve nodes(Main main) {
        var curve = new Curve.Builder("dispatch-by-nodes", "Dispatch rate by nodes on one database", "nodes",
                "recipients/s");
        for (var point : CurvePlan.points(CurvePlan.NODES, 1, count)) {
            if (point.measured()) {
                curve.add("recipients/s", 1, main.dispatch().rate().perSecond());
                continue;
            }
            step("dispatch on " + point.size() + " nodes");
            var others = new ArrayList<ServerProcess>();
            try {
                var nodes = new ArrayList<ApiClient>(List.of(api));
                for (int i = 1; i < point.size(); i++) {
                    var other = secondNode.apply(Optional.of(server.jdbcUrl()));
                    others.add(other);
                    nodes.add(api.at(other.baseUri()));
                }
                var result = new DispatchScenario(api, database, with("stats-settle-secs", 0L), nodes).run();
                curve.add("recipients/s", point.size(), result.rate().perSecond());
            } finally {
                others.forEach(ServerProcess::close);
            }
        }
        return curve.build();
    }
}
