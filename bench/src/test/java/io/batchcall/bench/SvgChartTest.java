package io.batchcall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SvgChartTest {
    @Test
    void sizes_spanning_a_factor_of_ten_go_on_a_log_axis_from_one_power_of_ten_to_the_next() {
        var scale = SvgChart.Scale.of(List.of(10_000.0, 100_000.0, 1_000_000.0), true, 70, 540);

        assertThat(scale.log()).isTrue();
        assertThat(scale.ticks()).containsExactly(10_000.0, 100_000.0, 1_000_000.0);
        assertThat(scale.pixel(10_000)).isEqualTo(70.0);
        assertThat(scale.pixel(100_000)).isCloseTo(305.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(scale.pixel(1_000_000)).isEqualTo(540.0);
    }

    @Test
    void a_cost_axis_starts_at_zero_and_steps_in_round_numbers_past_the_largest_value() {
        var scale = SvgChart.Scale.of(List.of(3.2, 14.7, 9.1), false, 270, 40);

        assertThat(scale.log()).isFalse();
        assertThat(scale.ticks()).containsExactly(0.0, 5.0, 10.0, 15.0);
        assertThat(scale.pixel(0)).isEqualTo(270.0);
        assertThat(scale.pixel(15)).isEqualTo(40.0);
        assertThat(SvgChart.niceStep(0.7)).isEqualTo(1.0);
        assertThat(SvgChart.niceStep(230)).isEqualTo(500.0);
        assertThat(SvgChart.niceStep(0.0)).isEqualTo(1.0);
    }

    @Test
    void sizes_are_labelled_as_people_write_them() {
        assertThat(SvgChart.label(1_000_000)).isEqualTo("1M");
        assertThat(SvgChart.label(5_000)).isEqualTo("5k");
        assertThat(SvgChart.label(50)).isEqualTo("50");
        assertThat(SvgChart.label(12.34)).isEqualTo("12.3");
        assertThat(SvgChart.label(0.5)).isEqualTo("0.50");
    }

    @Test
    void a_chart_draws_each_series_through_its_points_and_refers_to_nothing_outside_itself() {
        var curve = new Curve.Builder("submit", "Submit <latency>", "recipients a batch", "ms")
                .add("p50", 5_000, 120).add("p50", 1_000, 40).add("p50", 10_000, 300)
                .add("p99", 1_000, 90).add("p99", 5_000, 200).add("p99", 10_000, 500)
                .build();

        var svg = SvgChart.svg(curve);

        assertThat(curve.series().getFirst().points()).extracting(Curve.Point::x)
                .containsExactly(1_000.0, 5_000.0, 10_000.0);
        assertThat(Pattern.compile("<polyline").matcher(svg).results().count()).isEqualTo(2);
        assertThat(Pattern.compile("<circle").matcher(svg).results().count()).isEqualTo(6);
        assertThat(svg).contains("Submit &lt;latency&gt;").doesNotContain("<latency>")
                .doesNotContain("href").doesNotContain("<script").contains("(log scale)");
        // Higher cost is drawn higher: the p99 line's last dot sits above the p50 line's.
        var dots = Pattern.compile("<circle cx=\"([0-9.]+)\" cy=\"([0-9.]+)\"").matcher(svg).results()
                .map(m -> Double.parseDouble(m.group(2))).toList();
        assertThat(dots.get(5)).isLessThan(dots.get(2));
        assertThat(dots.get(2)).isLessThan(dots.get(0));
    }

    @Test
    void a_quick_runs_single_point_still_makes_a_chart() {
        var curve = new Curve.Builder("nodes", "Dispatch by nodes", "nodes", "recipients/s")
                .add("recipients/s", 1, 850).build();

        var svg = SvgChart.svg(curve);

        assertThat(svg).contains("<circle").doesNotContain("NaN").doesNotContain("Infinity");
    }
}
