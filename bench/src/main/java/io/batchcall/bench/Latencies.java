package io.batchcall.bench;

import java.util.Arrays;
import java.util.Collection;

/** A set of latencies in milliseconds: median, 99th percentile (nearest rank) and maximum. */
record Latencies(int count, double p50, double p99, double max, double mean) {

    static Latencies of(Collection<Double> millis) {
        if (millis.isEmpty()) {
            throw new IllegalArgumentException("no latencies measured");
        }
        var sorted = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Latencies(sorted.length, rank(sorted, 0.50), rank(sorted, 0.99), sorted[sorted.length - 1],
                Arrays.stream(sorted).average().orElseThrow());
    }

    private static double rank(double[] sorted, double quantile) {
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
