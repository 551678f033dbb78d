package io.batchcall.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Scenario 6, capacity: {@code capacityCalls} simulated calls in flight at once on one node, each answered at once
 * and talking {@code capacityTalk}. Once the node holds them all (or stops gaining for five seconds), the heap and
 * CPU are sampled for {@code capacitySteady}; then a full GC (jcmd) shows the live heap those calls need. The
 * batches are deleted afterwards, which hangs every call up.
 */
final class CapacityScenario {
    private static final Duration POLL_INTERVAL = Duration.ofMillis(250);
    private static final Duration STALL = Duration.ofSeconds(5);
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(2);

    private final ApiClient api;
    private final ServerProcess server;
    private final Sizes sizes;

    CapacityScenario(ApiClient api, ServerProcess server, Sizes sizes) {
        this.api = api;
        this.server = server;
        this.sizes = sizes;
    }

    record Result(int target, int peakInFlight, Duration rampUp, double idleHeapMegabytes,
                  double maxHeapMegabytes, double liveHeapMegabytes, double cpuCores) {
        List<Figure> figures() {
            boolean reached = peakInFlight >= target;
            return List.of(
                    Figure.of("capacity", "calls in flight", "", peakInFlight)
                            .target(target + " in flight", reached),
                    Figure.of("capacity", "ramp-up to peak", "s", rampUp.toMillis() / 1000.0),
                    Figure.of("capacity", "heap in use, max sampled", "MB", maxHeapMegabytes)
                            .against("idle heap", idleHeapMegabytes),
                    Figure.of("capacity", "live heap after full GC", "MB", liveHeapMegabytes)
                            .against("idle heap", idleHeapMegabytes)
                            .target("<= 512 MB with " + target + " in flight", reached && liveHeapMegabytes <= 512),
                    Figure.of("capacity", "server CPU at steady state", "cores", cpuCores));
        }

        Map<String, Object> details() {
            return Map.of("target_calls", target, "peak_in_flight", peakInFlight,
                    "ramp_up_seconds", rampUp.toMillis() / 1000.0, "idle_heap_mb", idleHeapMegabytes,
                    "max_heap_mb", maxHeapMegabytes, "live_heap_mb", liveHeapMegabytes, "cpu_cores", cpuCores);
        }
    }

    Result run() {
        int calls = sizes.capacityCalls();
        server.collectGarbage();
        double idleHeap = api.metrics().heapUsedMegabytes();
        var workspace = api.createWorkspace("bench-capacity", calls);
        var runs = new BatchRuns(api);
        var bodies = BatchRuns.bodies(workspace, "capacity", calls,
                BatchBody.simulated(0, sizes.capacityTalk().toMillis()), calls);
        long started = System.nanoTime();
        var ids = runs.submit(workspace, bodies);
        try {
            int peak = 0;
            long lastGain = System.nanoTime();
            while (peak < calls && System.nanoTime() - lastGain < STALL.toNanos()) {
                Pause.of(POLL_INTERVAL);
                int inFlight = api.metrics().callsInFlight();
                if (inFlight > peak) {
                    peak = inFlight;
                    lastGain = System.nanoTime();
                }
            }
            var rampUp = Duration.ofNanos(System.nanoTime() - started);
            var heaps = new ArrayList<Double>();
            var cpuBefore = server.cpuTime();
            long steadyStart = System.nanoTime();
            long steadyEnd = steadyStart + sizes.capacitySteady().toNanos();
            while (System.nanoTime() < steadyEnd) {
                var metrics = api.metrics();
                heaps.add(metrics.heapUsedMegabytes());
                peak = Math.max(peak, metrics.callsInFlight());
                Pause.of(POLL_INTERVAL);
            }
            double cores = (server.cpuTime().minus(cpuBefore).toNanos()) / (double) (System.nanoTime() - steadyStart);
            server.collectGarbage();
            var afterGc = api.metrics();
            peak = Math.max(peak, afterGc.callsInFlight());
            double maxHeap = heaps.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
            return new Result(calls, peak, rampUp, idleHeap, maxHeap, afterGc.heapUsedMegabytes(), cores);
        } finally {
            ids.forEach(id -> api.deleteBatch(workspace, id));
            long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
            while (api.metrics().callsInFlight() > 0 && System.nanoTime() < deadline) {
                Pause.of(POLL_INTERVAL);
            }
        }
    }
}
