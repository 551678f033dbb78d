package io.batchcall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerMetricsTest {
    @Test
    void the_heap_the_calls_in_flight_the_claims_time_and_the_jit_time_are_read_from_the_prometheus_text() {
        var text = """
                # HELP jvm_memory_used_bytes The amount of used memory
                jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1048576.0
                jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 2097152.0
                jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 9999999.0
                process_cpu_usage 0.25
                batchcall_calls_in_flight 42.0
                batchcall_dispatch_claim_duration_seconds_count 10.0
                batchcall_dispatch_claim_duration_seconds_sum 1.5
                batchcall_dispatch_claim_duration_seconds_max 0.4
                # HELP jvm_compilation_time_ms_total The approximate accumulated elapsed time spent in compilation
                jvm_compilation_time_ms_total{compiler="HotSpot 64-Bit Tiered Compilers"} 2500.0
                """;

        var metrics = ServerMetrics.parse(text);

        assertThat(metrics.heapUsedBytes()).isEqualTo(3_145_728L);
        assertThat(metrics.heapUsedMegabytes()).isEqualTo(3.0);
        assertThat(metrics.processCpuUsage()).isEqualTo(0.25);
        assertThat(metrics.callsInFlight()).isEqualTo(42);
        assertThat(metrics.claimSeconds()).isEqualTo(1.5);
        assertThat(metrics.compileSeconds()).isEqualTo(2.5);
    }
}
