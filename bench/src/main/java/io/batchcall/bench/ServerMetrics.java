package io.batchcall.bench;

/**
 * The few figures of batchcall's Prometheus text the harness reads: heap in use (all heap pools), the JVM's
 * recent CPU use (a fraction of all cores), the calls this node has in flight, and the time its claims took (the
 * total of batchcall.dispatch.claim.duration, in seconds).
 */
record ServerMetrics(long heapUsedBytes, double processCpuUsage, int callsInFlight, double claimSeconds) {

    static ServerMetrics parse(String prometheusText) {
        long heap = 0;
        double cpu = Double.NaN;
        int inFlight = 0;
        double claimSeconds = 0;
        for (var line : prometheusText.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            var value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                heap += (long) value;
            } else if (line.startsWith("process_cpu_usage ")) {
                cpu = value;
            } else if (line.startsWith("batchcall_calls_in_flight ")) {
                inFlight = (int) value;
            } else if (line.startsWith("batchcall_dispatch_claim_duration_seconds_sum")) {
                claimSeconds += value;
            }
        }
        return new ServerMetrics(heap, cpu, inFlight, claimSeconds);
    }

    double heapUsedMegabytes() {
        return heapUsedBytes / (1024.0 * 1024.0);
    }
}
