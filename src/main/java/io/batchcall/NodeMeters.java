package io.batchcall;

import io.batchcall.config.Config;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Deque;

/** The node's meter registry with the JVM's meters bound, created first so that every component can register. */
final class NodeMeters {
    /**
     * Workspace ids name tenants: on an open /metrics (no token, labels not enabled) no meter tagged with one is
     * published, whoever registers it.
     */
    private static final MeterFilter WORKSPACE_TAGS_HIDDEN = MeterFilter.deny(id -> id.getTags().stream()
            .anyMatch(tag -> tag.getKey().equals("workspace") || tag.getKey().equals("workspace_id")));

    private NodeMeters() {}

    /** The registry; the GC meters, which hold listeners, are pushed on {@code running} to be closed. */
    static PrometheusMeterRegistry create(Config config, Deque<AutoCloseable> running) {
        var meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        if (!config.observability().showsWorkspaces()) {
            // Before any meter exists: a filter only sees meters registered after it.
            meters.config().meterFilter(WORKSPACE_TAGS_HIDDEN);
        }
        new ClassLoaderMetrics().bindTo(meters);
        // The JIT's total compile time: a node that has just started is slower until this stops growing
        // (bench/run reports it for each dispatch measurement).
        new JvmCompilationMetrics().bindTo(meters);
        new JvmMemoryMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        new UptimeMetrics().bindTo(meters);
        var gc = new JvmGcMetrics();
        gc.bindTo(meters);
        running.push(gc);
        return meters;
    }
}
