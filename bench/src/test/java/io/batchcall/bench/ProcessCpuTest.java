package io.batchcall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProcessCpuTest {
    @Test
    void cpu_time_is_user_plus_system_ticks_even_when_the_command_name_has_spaces() {
        var stat = "4242 (java main) S 1 4242 4242 0 -1 4194560 51234 0 12 0 1234 567 0 0 20 0 61 0 8812 "
                + "7000000000 90000 18446744073709551615 1 1 0 0 0 0 0 16781312 16902 0 0 0 17 1 0 0 0 0 0";

        assertThat(ProcessCpu.parse(stat)).isEqualTo(Duration.ofMillis(18_010));
    }

    @Test
    void this_processs_own_cpu_time_grows_as_it_works() {
        long pid = ProcessHandle.current().pid();
        var before = ProcessCpu.of(pid);
        // Spin until the OS has counted 50 ms more (the machine is shared: wall time says little), for at most 30 s.
        long deadline = System.nanoTime() + 30_000_000_000L;
        long sum = 0;
        while (ProcessCpu.of(pid).minus(before).compareTo(Duration.ofMillis(50)) < 0 && System.nanoTime() < deadline) {
            for (int i = 0; i < 1_000_000; i++) {
                sum += Long.numberOfTrailingZeros(System.nanoTime() + i);
            }
        }

        assertThat(ProcessCpu.of(pid).minus(before)).as("spun %d", sum).isGreaterThanOrEqualTo(Duration.ofMillis(50));
    }

    @Test
    void the_cpu_of_children_that_exited_is_read_from_their_parent() {
        var stat = "4242 (postgres) S 1 4242 4242 0 -1 4194560 51234 0 12 0 1234 567 300 45 20 0 61 0 8812 "
                + "7000000000 90000 18446744073709551615 1 1 0 0 0 0 0 16781312 16902 0 0 0 17 1 0 0 0 0 0";

        assertThat(ProcessCpu.reapedChildren(stat)).isEqualTo(Duration.ofMillis(3_450));
    }

    @Test
    void a_process_counts_with_the_cpu_of_its_children_which_the_split_keeps_apart_from_the_jvm() throws Exception {
        long pid = ProcessHandle.current().pid();
        var childrenBefore = childrenOnly(pid);
        // A child that spins, as the postmaster's backends do its work, until it has used 100 ms. The checks ask
        // for 50: childrenOnly reads the JVM's own time twice, and what its threads (the JIT's, the GC's) use
        // between the two reads is taken off the children's, which once left 49 ms of 50.
        var child = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
        try {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (ProcessCpu.split(pid, child.pid()).database().compareTo(Duration.ofMillis(100)) < 0
                    && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            var jvmBefore = ProcessCpu.of(pid);

            var split = ProcessCpu.split(pid, child.pid());

            assertThat(split.database()).as("the child's").isGreaterThanOrEqualTo(Duration.ofMillis(50));
            assertThat(split.jvm()).as("the JVM's own, read then").isBetween(jvmBefore, ProcessCpu.of(pid));
            assertThat(childrenOnly(pid).minus(childrenBefore))
                    .as("the JVM's children, the spinning one among them")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(50));
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    /** The CPU time of the process's children alone, living or reaped. */
    private static Duration childrenOnly(long pid) {
        return ProcessCpu.withChildren(pid).minus(ProcessCpu.of(pid));
    }

    @Test
    void a_baselines_meter_counts_the_spans_it_is_around_and_not_the_wait_between_them() {
        var database = new java.util.concurrent.atomic.AtomicReference<>(Duration.ofSeconds(1));
        var meter = new ProcessCpu.Meter(database::get);

        meter.start();
        database.set(Duration.ofSeconds(3)); // the insert
        meter.stop();
        database.set(Duration.ofSeconds(10)); // the wait for the statistics: autovacuum, other work
        meter.start();
        database.set(Duration.ofMillis(10_500)); // the dispatch
        meter.stop();

        assertThat(meter.used().database()).isEqualTo(Duration.ofMillis(2_500));
        assertThat(meter.used().jvm()).isGreaterThanOrEqualTo(Duration.ZERO);
    }
}
