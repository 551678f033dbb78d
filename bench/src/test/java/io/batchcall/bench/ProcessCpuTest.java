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
}
