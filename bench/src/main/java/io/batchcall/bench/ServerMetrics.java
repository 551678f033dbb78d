package io.batchcall.bench;

/**
 * The few figures of batchcall's Prometheus text the harness reads: heap in use (all heap pools), the JVM's
 * recent CPU use (a fraction of all cores), the calls this node has in flight, the time its claims took (the
 * total of batchcall.dispatch.claim.duration, in seconds) and the JIT's total compile time (in seconds, every
 * compiler's).
 */
record ServerMetrics(long heapUsedBytes, double processCpuUsage, int callsInFlight, double claimSeconds,
                     double compileSeconds) {

    static ServerMetrics parse(String prometheusText) {
        long heap = 0;
        double cpu = Double.NaN;
        int inFlight = 0;
        double claimSeconds = 0;
        double compileMillis = 0;
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
            } else if (line.startsWith("jvm_compilation_time_ms_total")) {
                compileMillis += value;
            }
        }
        return new ServerMetrics(heap, cpu, inFlight, claimSeconds, compileMillis / 1000);
    }

    double heapUsedMegabytes() {
        return heapUsedBytes / (1024.0 * 1024.0);
    }
}
