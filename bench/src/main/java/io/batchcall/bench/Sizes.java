package io.batchcall.bench;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How big each scenario is: the sizes for a full run, small ones for {@code --quick} (every scenario, the
 * whole run in under two minutes, for CI). Any size can be overridden on the command line as {@code --name=value}
 * with the names of {@link #NAMES}.
 */
record Sizes(int submitBatches, int submitRecipients, int getRequests, int listBatches, int listDepth,
             int listRequests, int dispatchRecipients, int dispatchConcurrency, int refillRecipients,
             int refillConcurrency, Duration refillTalk, int capacityCalls, Duration capacityTalk,
             Duration capacitySteady, Duration statsSettle, int conversations, int conversationRequests,
             int heldRecipients, int bridgeCalls, Duration bridgeWindow, int dispatchWarmUp, int listWarmUp,
             int getWarmUp, int conversationWarmUp, int dispatchWarmUpRounds, int heldRounds, int submitWarmUp,
             Duration baselineIdleWait, int listWarmUpRounds, int getWarmUpRounds, int conversationWarmUpRounds,
             int submitWarmUpRounds) {

    /** The most recipients one batch may have (the API's limit). */
    static final int MAX_BATCH = 10_000;

    /** Every size option, with its full and quick values. */
    static final Map<String, long[]> NAMES = Map.ofEntries(
            Map.entry("submit-batches", new long[] {20, 3}),
            Map.entry("submit-recipients", new long[] {10_000, 1_000}),
            // Submits of submit-recipients before the measured ones, not counted. With one, JFR's statement events
            // put the first measured 10,000-recipient submits' request path (authentication to the batch row: the
            // body's parse and the first run's check) at 151, 130 and 60 ms, and every later one at 23 to 81 ms: the
            // JIT was still compiling the request path (the submits 462, 431 and 340 ms, then 238 to 412). 0 measures
            // a cold server.
            Map.entry("submit-warm-up", new long[] {4, 1}),
            // At most this many rounds of submit-warm-up submits: after each, another only while the JIT compiled for
            // more than a tenth of it (WarmUpRounds.SETTLED), as for the get, the lists and the dispatch. Until
            // 2026-12-05 the submit was measured after one round of four, and how far the JIT still compiled then was
            // not read. In three quick runs with the full run's submit sizes, rounds of four 10,000-recipient submits
            // compiled for 1.0 to 1.2 x their length, then 0.4 to 0.6, 0.1 to 0.2, and 0.8 to 1.4 again in the
            // fourth or fifth (C2 recompiling what it had compiled), settling by the seventh to eleventh; the rounds
            // went from 2.4-2.9 s to 0.7-0.9 s. Measured after one round: p50 303 and 324 ms; after six or eleven:
            // 203, 185 and 175 ms.
            Map.entry("submit-warm-up-rounds", new long[] {12, 1}),
            // At most this long before each baseline, the wait for the server's own work to end (BenchDatabase
            // .awaitServerIdle): the dispatch's post-call sends, due 30 s after its calls, and autovacuum. The 08:51
            // run of 2026-12-04 had about 1,500 of those sends inside the floor's dispatch. Short in --quick, which
            // must stay under two minutes: its baselines' CPU is approximate.
            Map.entry("baseline-idle-wait-secs", new long[] {60, 5}),
            Map.entry("get-requests", new long[] {20, 5}),
            // GETs of the batch in each warm-up round, not counted (the SQL baseline runs its query as often first):
            // with one, the first measured GETs met a server still compiling the recipient writer. Rounds of 10 took
            // 0.4 to 1.1 s, too short for the JIT's queue to drain: after six it still compiled for 0.40 x a round.
            // Rounds of 40 (1.4 to 2.8 s) came down to 0.11 to 0.14 x by the fourth.
            Map.entry("get-warm-up", new long[] {40, 1}),
            // At most this many rounds of get-warm-up GETs: after each, another only while the JIT compiled for more
            // than a tenth of it (WarmUpRounds.SETTLED), as for the list and the dispatch. Until 2026-12-05 the get
            // was measured after one round of 10, and how far the JIT still compiled then was not read.
            Map.entry("get-warm-up-rounds", new long[] {6, 1}),
            Map.entry("list-batches", new long[] {100_000, 2_000}),
            Map.entry("list-depth", new long[] {50_000, 1_000}),
            Map.entry("list-requests", new long[] {200, 30}),
            // List requests sent before the list is measured, not counted, half the first page and half a walk down
            // to list-depth: the server's JIT compiles the list path then. Measured from a fresh start, the first
            // 3,000 list requests had p50 3.9 ms / p99 15.5, the next 3,000 p50 2.3-2.9 / p99 7.8-10.2, the ones
            // after p50 2.1 / p99 5.8; with 5 the measured 200 met a server still compiling. 0 measures it cold.
            Map.entry("list-warm-up", new long[] {2_000, 5}),
            // At most this many rounds of list-warm-up requests: after each, another only while the JIT compiled for
            // more than a tenth of it (WarmUpRounds.SETTLED), as for the dispatch. After one round the JIT compiled
            // for about half the measured requests' length (0.44 to 0.54 x in three quick runs over 100,000 batches);
            // in three runs, rounds of 2,000 compiled for 0.46 to 0.58 x, then 0.33 to 0.56, 0.33 to 0.41, 0.18 to
            // 0.38, and 0.1 or less by the fifth or sixth: the list settles after some 10,000 requests.
            Map.entry("list-warm-up-rounds", new long[] {8, 1}),
            Map.entry("dispatch-recipients", new long[] {20_000, 1_000}),
            Map.entry("dispatch-concurrency", new long[] {500, 500}),
            // Recipients dispatched in a workspace of their own before each dispatch measurement, not counted: the
            // server's JIT compiles the claim, dial and record paths then (a fifth of the dispatcher's CPU in a cold
            // run), as on a server that has been running; 0 measures a cold server. After 5,000 the JIT still made
            // 541 C2 compilations during a measured 10,000; after 10,000, 253.
            Map.entry("dispatch-warm-up", new long[] {10_000, 500}),
            // At most this many warm-ups of dispatch-warm-up recipients: after each, another only while the JIT
            // compiled for more than a tenth of it (WarmUpRounds.SETTLED). Rounds of 10,000 on a fresh server
            // compiled for 1.16, 0.96, 0.69, 0.25, 0.15 and 0.09 x their length; the measured run after one round
            // 0.66 x, after six 0.10 x. Later measurements on the same server need no more than one.
            Map.entry("dispatch-warm-up-rounds", new long[] {6, 1}),
            Map.entry("refill-recipients", new long[] {2_000, 300}),
            Map.entry("refill-concurrency", new long[] {50, 50}),
            Map.entry("refill-talk-ms", new long[] {200, 200}),
            Map.entry("capacity-calls", new long[] {10_000, 1_000}),
            Map.entry("capacity-talk-secs", new long[] {60, 12}),
            Map.entry("capacity-steady-secs", new long[] {10, 3}),
            // pg_stat_database counts a backend's commits up to 10 s late (PGSTAT_IDLE_INTERVAL): waiting that
            // long before reading makes the commit counts exact; the quick run only shows them approximately.
            Map.entry("stats-settle-secs", new long[] {11, 2}),
            Map.entry("conversations", new long[] {1_000_000, 50_000}),
            Map.entry("conversation-requests", new long[] {100, 20}),
            // Requests per filter in each warm-up round, not counted (and as many statements before each filter's
            // SQL baseline), for the reason of list-warm-up.
            Map.entry("conversation-warm-up", new long[] {50, 5}),
            // At most this many rounds of conversation-warm-up requests for every filter, for the reason of
            // get-warm-up-rounds. Until 2026-12-05 each filter was measured right after its own one round.
            Map.entry("conversation-warm-up-rounds", new long[] {6, 1}),
            // One batch of which nine tenths wait (held) and one tenth is dialed.
            Map.entry("held-recipients", new long[] {10_000, 1_000}),
            // Pairs of the held batch and the plain one, alternating which goes first; the figure is the median
            // round. One pair's ratio moved between 0.49x and 1.10x over full runs of the same code, and between
            // 0.68x and 1.43x over ten rounds of one run (held median 0.93x); a round of 10,000 takes about 9 s.
            Map.entry("held-rounds", new long[] {5, 1}),
            // Calls bridged at once by the media bridge, and the steady window their CPU and latency are read over.
            // 100 calls keep bridge and fakes (about as costly as the bridge) under 2 cores; raise it on bigger machines.
            Map.entry("bridge-calls", new long[] {100, 20}),
            Map.entry("bridge-secs", new long[] {20, 3}),
            // Points per curve of "how cost grows" (CurvePlan): 1 keeps each at the main scenario's own size.
            Map.entry("curve-points", new long[] {3, 1}));

    Sizes {
        if (submitRecipients < 1 || submitRecipients > MAX_BATCH) {
            throw new IllegalArgumentException("submit-recipients must be 1 to " + MAX_BATCH);
        }
        if (listDepth < 100 || listDepth >= listBatches) {
            throw new IllegalArgumentException("list-depth must be at least 100 and below list-batches");
        }
        if (bridgeCalls < 1 || bridgeWindow.isNegative() || bridgeWindow.isZero()) {
            throw new IllegalArgumentException("bridge-calls and bridge-secs must be at least 1");
        }
        if (dispatchWarmUp < 0) {
            // Above MAX_BATCH the warm-up is several batches, one after another (BatchRuns.bodies).
            throw new IllegalArgumentException("dispatch-warm-up must be 0 or more");
        }
        if (dispatchWarmUpRounds < 1) {
            throw new IllegalArgumentException("dispatch-warm-up-rounds must be at least 1");
        }
        if (listWarmUp < 0) {
            throw new IllegalArgumentException("list-warm-up must be 0 or more");
        }
        if (listWarmUpRounds < 1) {
            throw new IllegalArgumentException("list-warm-up-rounds must be at least 1");
        }
        if (getWarmUpRounds < 1) {
            throw new IllegalArgumentException("get-warm-up-rounds must be at least 1");
        }
        if (conversationWarmUpRounds < 1) {
            throw new IllegalArgumentException("conversation-warm-up-rounds must be at least 1");
        }
        if (baselineIdleWait.isNegative()) {
            throw new IllegalArgumentException("baseline-idle-wait-secs must be 0 or more");
        }
        if (submitWarmUpRounds < 1) {
            throw new IllegalArgumentException("submit-warm-up-rounds must be at least 1");
        }
        if (submitWarmUp < 0) {
            throw new IllegalArgumentException("submit-warm-up must be 0 or more");
        }
        if (getWarmUp < 0) {
            throw new IllegalArgumentException("get-warm-up must be 0 or more");
        }
        if (conversationWarmUp < 0) {
            throw new IllegalArgumentException("conversation-warm-up must be 0 or more");
        }
        if (heldRecipients < 10 || heldRecipients > MAX_BATCH) {
            throw new IllegalArgumentException("held-recipients must be 10 to " + MAX_BATCH);
        }
        if (heldRounds < 1) {
            throw new IllegalArgumentException("held-rounds must be at least 1");
        }
    }

    /** Every size by option name: the full or quick value, or the override; an unknown name is an error. */
    static Map<String, Long> values(boolean quick, Map<String, Long> overrides) {
        Set<String> unknown = new TreeSet<>(overrides.keySet());
        unknown.removeAll(NAMES.keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown size option(s) " + unknown + "; known: "
                    + new TreeSet<>(NAMES.keySet()));
        }
        var values = new TreeMap<String, Long>();
        NAMES.forEach((name, defaults) -> values.put(name, overrides.getOrDefault(name, defaults[quick ? 1 : 0])));
        return values;
    }

    /** The sizes of {@link #values}. */
    static Sizes of(Map<String, Long> values) {
        return new Sizes(
                Math.toIntExact(values.get("submit-batches")),
                Math.toIntExact(values.get("submit-recipients")),
                Math.toIntExact(values.get("get-requests")),
                Math.toIntExact(values.get("list-batches")),
                Math.toIntExact(values.get("list-depth")),
                Math.toIntExact(values.get("list-requests")),
                Math.toIntExact(values.get("dispatch-recipients")),
                Math.toIntExact(values.get("dispatch-concurrency")),
                Math.toIntExact(values.get("refill-recipients")),
                Math.toIntExact(values.get("refill-concurrency")),
                Duration.ofMillis(values.get("refill-talk-ms")),
                Math.toIntExact(values.get("capacity-calls")),
                Duration.ofSeconds(values.get("capacity-talk-secs")),
                Duration.ofSeconds(values.get("capacity-steady-secs")),
                Duration.ofSeconds(values.get("stats-settle-secs")),
                Math.toIntExact(values.get("conversations")),
                Math.toIntExact(values.get("conversation-requests")),
                Math.toIntExact(values.get("held-recipients")),
                Math.toIntExact(values.get("bridge-calls")),
                Duration.ofSeconds(values.get("bridge-secs")),
                Math.toIntExact(values.get("dispatch-warm-up")),
                Math.toIntExact(values.get("list-warm-up")),
                Math.toIntExact(values.get("get-warm-up")),
                Math.toIntExact(values.get("conversation-warm-up")),
                Math.toIntExact(values.get("dispatch-warm-up-rounds")),
                Math.toIntExact(values.get("held-rounds")),
                Math.toIntExact(values.get("submit-warm-up")),
                Duration.ofSeconds(values.get("baseline-idle-wait-secs")),
                Math.toIntExact(values.get("list-warm-up-rounds")),
                Math.toIntExact(values.get("get-warm-up-rounds")),
                Math.toIntExact(values.get("conversation-warm-up-rounds")),
                Math.toIntExact(values.get("submit-warm-up-rounds")));
    }
}
