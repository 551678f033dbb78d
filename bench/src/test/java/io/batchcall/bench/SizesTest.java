package io.batchcall.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SizesTest {
    @Test
    void a_dispatch_measurement_is_preceded_by_a_warm_up_that_can_be_turned_off() {
        assertThat(Sizes.of(Sizes.values(false, Map.of())).dispatchWarmUp()).isEqualTo(10_000);
        assertThat(Sizes.of(Sizes.values(true, Map.of())).dispatchWarmUp()).isEqualTo(500);
        assertThat(Sizes.of(Sizes.values(true, Map.of("dispatch-warm-up", 0L))).dispatchWarmUp()).isZero();
    }

    @Test
    void a_submit_measurement_is_preceded_by_warm_ups_that_can_be_turned_off_but_not_made_negative() {
        assertThat(Sizes.of(Sizes.values(false, Map.of())).submitWarmUp()).isEqualTo(4);
        assertThat(Sizes.of(Sizes.values(true, Map.of())).submitWarmUp()).isEqualTo(1);
        assertThat(Sizes.of(Sizes.values(true, Map.of("submit-warm-up", 0L))).submitWarmUp()).isZero();
        assertThatThrownBy(() -> Sizes.of(Sizes.values(true, Map.of("submit-warm-up", -1L))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("submit-warm-up");
    }

    @Test
    void baselines_wait_a_minute_at_most_for_the_servers_own_work_and_five_seconds_in_a_quick_run() {
        assertThat(Sizes.of(Sizes.values(false, Map.of())).baselineIdleWait()).isEqualTo(Duration.ofSeconds(60));
        assertThat(Sizes.of(Sizes.values(true, Map.of())).baselineIdleWait()).isEqualTo(Duration.ofSeconds(5));
        assertThat(Sizes.of(Sizes.values(true, Map.of("baseline-idle-wait-secs", 0L))).baselineIdleWait()).isZero();
    }

    @Test
    void a_list_measurement_is_preceded_by_a_warm_up_that_can_be_turned_off_but_not_made_negative() {
        assertThat(Sizes.of(Sizes.values(false, Map.of())).listWarmUp()).isEqualTo(2_000);
        assertThat(Sizes.of(Sizes.values(true, Map.of())).listWarmUp()).isEqualTo(5);
        assertThat(Sizes.of(Sizes.values(true, Map.of("list-warm-up", 0L))).listWarmUp()).isZero();
        assertThatThrownBy(() -> Sizes.of(Sizes.values(true, Map.of("list-warm-up", -1L))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("list-warm-up");
    }

    @Test
    void a_list_warm_up_is_repeated_up_to_eight_times_in_a_full_run_once_in_a_quick_one_and_at_least_once() {
        assertThat(Sizes.of(Sizes.values(false, Map.of())).listWarmUpRounds()).isEqualTo(8);
        assertThat(Sizes.of(Sizes.values(true, Map.of())).listWarmUpRounds()).isEqualTo(1);
        assertThat(Sizes.of(Sizes.values(true, Map.of("list-warm-up-rounds", 3L))).listWarmUpRounds()).isEqualTo(3);
        assertThatThrownBy(() -> Sizes.of(Sizes.values(false, Map.of("list-warm-up-rounds", 0L))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("list-warm-up-rounds");
    }

    @Test
    void get_and_conversation_measurements_are_preceded_by_warm_ups_that_can_be_turned_off_but_not_made_negative() {
        var full = Sizes.of(Sizes.values(false, Map.of()));
        assertThat(full.getWarmUp()).isEqualTo(40);
        assertThat(full.conversationWarmUp()).isEqualTo(50);
        var quick = Sizes.of(Sizes.values(true, Map.of()));
        assertThat(quick.getWarmUp()).isEqualTo(1);
        assertThat(quick.conversationWarmUp()).isEqualTo(5);
        var cold = Sizes.of(Sizes.values(true, Map.of("get-warm-up", 0L, "conversation-warm-up", 0L)));
        assertThat(cold.getWarmUp()).isZero();
        assertThat(cold.conversationWarmUp()).isZero();
        assertThatThrownBy(() -> Sizes.of(Sizes.values(true, Map.of("get-warm-up", -1L))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("get-warm-up");
        assertThatThrownBy(() -> Sizes.of(Sizes.values(true, Map.of("conversation-warm-up", -1L))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("conversation-warm-up");
    }

    @Test
    void the_submit_warm_up_is_repeated_up_to_twelve_times_in_a_full_run_once_in_a_quick_one_and_at_least_once() {
        assertThat(Sizes.of(Sizes.values(false, Map.of())).submitWarmUpRounds()).isEqualTo(12);
        assertThat(Sizes.of(Sizes.values(true, Map.of())).submitWarmUpRounds()).isEqualTo(1);
        assertThat(Sizes.of(Sizes.values(true, Map.of("submit-warm-up-rounds", 3L))).submitWarmUpRounds())
                .isEqualTo(3);
        assertThatThrownBy(() -> Sizes.of(Sizes.values(false, Map.of("submit-warm-up-rounds", 0L))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("submit-warm-up-rounds");
    }

    @Test
    void get_and_conversation_warm_ups_are_repeated_up_to_six_times_in_a_full_run_once_in_a_quick_one_and_at_least_once() {
        var full = Sizes.of(Sizes.values(false, Map.of()));
        assertThat(full.getWarmUpRounds()).isEqualTo(6);
        assertThat(full.conversationWarmUpRounds()).isEqualTo(6);
        var quick = Sizes.of(Sizes.values(true, Map.of()));
        assertThat(quick.getWarmUpRounds()).isEqualTo(1);
        assertThat(quick.conversationWarmUpRounds()).isEqualTo(1);
        var more = Sizes.of(Sizes.values(true, Map.of("get-warm-up-rounds", 3L, "conversation-warm-up-rounds", 4L)));
        assertThat(more.getWarmUpRounds()).isEqualTo(3);
        assertThat(more.conversationWarmUpRounds()).isEqualTo(4);
        assertThatThrownBy(() -> Sizes.of(Sizes.values(false, Map.of("get-warm-up-rounds", 0L))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("get-warm-up-rounds");
        assertThatThrownBy(() -> Sizes.of(Sizes.values(false, Map.of("conversation-warm-up-rounds", 0L))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("conversation-warm-up-rounds");
    }

    @Test
    void a_dispatch_warm_up_below_zero_is_refused_and_one_larger_than_a_batch_is_taken_as_several_batches() {
        assertThatThrownBy(() -> Sizes.of(Sizes.values(true, Map.of("dispatch-warm-up", -1L))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dispatch-warm-up");
        assertThat(Sizes.of(Sizes.values(true, Map.of("dispatch-warm-up", 40_000L))).dispatchWarmUp())
                .isEqualTo(40_000);
    }

    @Test
    void a_full_run_repeats_its_dispatch_warm_up_up_to_six_times_a_quick_run_once_and_never_fewer() {
        assertThat(Sizes.of(Sizes.values(false, Map.of())).dispatchWarmUpRounds()).isEqualTo(6);
        assertThat(Sizes.of(Sizes.values(true, Map.of())).dispatchWarmUpRounds()).isEqualTo(1);
        assertThatThrownBy(() -> Sizes.of(Sizes.values(true, Map.of("dispatch-warm-up-rounds", 0L))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dispatch-warm-up-rounds");
    }

    @Test
    void a_full_run_measures_held_in_five_alternated_rounds_a_quick_run_in_one_and_never_fewer() {
        assertThat(Sizes.of(Sizes.values(false, Map.of())).heldRounds()).isEqualTo(5);
        assertThat(Sizes.of(Sizes.values(true, Map.of())).heldRounds()).isEqualTo(1);
        assertThatThrownBy(() -> Sizes.of(Sizes.values(true, Map.of("held-rounds", 0L))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("held-rounds");
    }
}
