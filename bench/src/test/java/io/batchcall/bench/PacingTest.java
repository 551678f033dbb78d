package io.batchcall.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PacingTest {
    @Test
    void the_first_request_is_due_at_the_start() {
        var pacing = new Pacing(1_000, 800);

        assertThat(pacing.earlyBy(0)).isEqualTo(1_000);
        assertThat(pacing.earlyBy(1_000)).isZero();
        assertThat(pacing.earlyBy(5_000)).isNegative();
    }

    @Test
    void each_next_request_is_due_one_rate_step_later_so_a_faster_loop_is_held_back_by_what_it_is_ahead() {
        // Started a second ago: the four turns taken here were all due, so none waited.
        long start = System.nanoTime() - 1_000_000_000L;
        var pacing = new Pacing(start, 800);
        for (int i = 0; i < 4; i++) {
            pacing.awaitTurn();
        }

        // The fifth is due 4 / 800 s (5 ms) after the start.
        assertThat(pacing.earlyBy(start + 1_000_000L)).isEqualTo(4_000_000L);
        assertThat(pacing.earlyBy(start + 7_000_000L)).isEqualTo(-2_000_000L);
    }

    @Test
    void a_rate_below_one_a_second_is_refused() {
        assertThatThrownBy(() -> new Pacing(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
