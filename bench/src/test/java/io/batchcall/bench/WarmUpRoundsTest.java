package io.batchcall.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class WarmUpRoundsTest {
    @Test
    void warm_ups_go_on_while_the_jit_compiles_for_more_than_a_tenth_of_a_round_and_stop_once_it_settles() {
        var compiling = List.of(4.0, 2.0, 0.5, 0.0);

        var rounds = WarmUpRounds.until(6, i -> new WarmUpRounds.Round(8, compiling.get(i)));

        assertThat(rounds).extracting(WarmUpRounds.Round::compileShare).containsExactly(0.5, 0.25, 0.0625);
    }

    @Test
    void warm_ups_stop_at_their_limit_even_while_the_jit_still_compiles() {
        var rounds = WarmUpRounds.until(2, i -> new WarmUpRounds.Round(10, 5));

        assertThat(rounds).hasSize(2);
    }

    @Test
    void one_round_is_always_run_and_fewer_than_one_is_refused() {
        assertThat(WarmUpRounds.until(1, i -> new WarmUpRounds.Round(10, 9))).hasSize(1);
        assertThatThrownBy(() -> WarmUpRounds.until(0, i -> new WarmUpRounds.Round(10, 0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void with_two_nodes_the_one_that_compiled_most_decides_so_a_fresh_second_node_is_warmed_too() {
        double[] before = {120.0, 3.0};
        double[] after = {120.5, 9.0};

        assertThat(WarmUpRounds.mostCompiling(before, after)).isEqualTo(6.0);
        assertThat(WarmUpRounds.mostCompiling(new double[] {1.0}, new double[] {1.25})).isEqualTo(0.25);
        assertThatThrownBy(() -> WarmUpRounds.mostCompiling(new double[] {1.0}, new double[] {1.0, 2.0}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_timed_round_counts_what_the_jit_compiled_between_the_readings_just_before_and_just_after_its_work() {
        Iterator<Double> totals = List.of(100.0, 100.75).iterator();
        var ran = new ArrayList<String>();

        var round = WarmUpRounds.timed(totals::next, () -> ran.add("work"));

        assertThat(ran).containsExactly("work");
        assertThat(round.compileSeconds()).isEqualTo(0.75);
        assertThat(round.seconds()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void rounds_until_settled_run_each_round_by_its_index_and_stop_once_a_round_compiles_little() {
        // The server's total compile time as read before and after each round: 3 s, then 2 s, then none compiled.
        Iterator<Double> totals = List.of(0.0, 3.0, 3.0, 5.0, 5.0, 5.0).iterator();
        var indexes = new ArrayList<Integer>();

        var rounds = WarmUpRounds.untilSettled("test", 8, totals::next, indexes::add);

        assertThat(indexes).containsExactly(0, 1, 2);
        assertThat(rounds).extracting(WarmUpRounds.Round::compileSeconds).containsExactly(3.0, 2.0, 0.0);
    }
}
