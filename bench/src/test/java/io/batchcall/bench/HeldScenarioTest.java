package io.batchcall.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeldScenarioTest {
    private static HeldScenario.Round round(double held, double plain, int dialed) {
        return new HeldScenario.Round(held, plain, false, dialed);
    }

    @Test
    void the_figure_is_the_round_whose_ratio_is_the_median_not_the_ratio_of_the_median_rates() {
        // Ratios 0.5, 1.1 and 0.8: the median round is the third, with its own two rates.
        var result = new HeldScenario.Result(10_000, 1_000,
                List.of(round(500, 1_000, 0), round(990, 900, 0), round(480, 600, 0)));

        var rate = result.figures().getFirst();

        assertThat(rate.value()).isEqualTo(480);
        assertThat(rate.baseline().orElseThrow().value()).isEqualTo(600);
        assertThat(rate.ratio()).hasValue(0.8);
        assertThat(rate.target().orElseThrow().met()).isTrue();
        assertThat(rate.measure()).contains("the median of 3 alternated rounds");
        assertThat(result.details()).containsEntry("ratio", 0.8);
    }

    @Test
    void of_an_even_number_of_rounds_the_lower_middle_one_counts_so_the_target_is_not_met_by_rounding_up() {
        var result = new HeldScenario.Result(10_000, 1_000, List.of(round(700, 1_000, 0), round(900, 1_000, 0)));

        assertThat(result.figures().getFirst().ratio()).hasValue(0.7);
        assertThat(result.figures().getFirst().target().orElseThrow().met()).isFalse();
    }

    @Test
    void a_held_recipient_dialed_in_any_round_shows_in_the_figure_even_when_the_median_round_had_none() {
        var result = new HeldScenario.Result(10_000, 1_000,
                List.of(round(500, 1_000, 2), round(800, 1_000, 0), round(900, 1_000, 0)));

        var dialed = result.figures().get(1);

        assertThat(dialed.value()).isEqualTo(2);
        assertThat(dialed.target().orElseThrow().met()).isFalse();
    }

    @Test
    void the_rounds_alternate_which_batch_goes_first_starting_with_the_plain_one() {
        assertThat(List.of(0, 1, 2, 3).stream().map(HeldScenario::heldFirst).toList())
                .containsExactly(false, true, false, true);
    }

    @Test
    void every_round_is_in_the_report_with_its_order_and_a_result_without_rounds_is_refused() {
        var result = new HeldScenario.Result(1_000, 100,
                List.of(new HeldScenario.Round(90, 100, false, 0), new HeldScenario.Round(80, 100, true, 0)));

        @SuppressWarnings("unchecked")
        var rounds = (List<Map<String, Object>>) result.details().get("rounds");
        assertThat(rounds).extracting(r -> r.get("first")).containsExactly("plain", "held");
        assertThat(result.figures().getFirst().measure()).contains("the median of 2 alternated rounds");
        assertThatThrownBy(() -> new HeldScenario.Result(1_000, 100, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
