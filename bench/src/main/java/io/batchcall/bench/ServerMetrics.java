package io.batchcall.bench;

/**
 * The few figures of batchcall's Prometheus text the harness reads: heap in use (all heap pools), the JVM's
 * recent CPU use (a fraction of all cores) and the calls this node has in flight.
 */
record ServerMetrics(long heapUsedBytes, double processCpuUsage, int callsInFlight) {

    static ServerMetrics parse(String prometheusText) {
        long heap = 0;
        double cpu = Double.NaN;
        int inFlight = 0;
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
            }
        }
        return new ServerMetrics(heap, cpu, inFlight);
    }

    double heapUsedMegabytes() {
        return heapUsedBytes / (1024.0 * 1024.0);
    }
}
