package io.batchcall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CurvePlanTest {
    @Test
    void a_full_run_measures_the_issues_sizes_and_reuses_the_main_scenarios_own_point() {
        var points = CurvePlan.points(CurvePlan.DISPATCH_CONCURRENCY, 500, 3);

        assertThat(points).containsExactly(new CurvePlan.Point(50, false), new CurvePlan.Point(500, true),
                new CurvePlan.Point(5_000, false));
    }

    @Test
    void a_quick_run_keeps_each_curve_at_the_one_point_its_main_scenario_measured() {
        var quick = Sizes.values(true, Map.of());

        assertThat(quick.get("curve-points")).isEqualTo(1);
        assertThat(CurvePlan.points(CurvePlan.LIST_ROWS, quick.get("list-batches"), 1))
                .containsExactly(new CurvePlan.Point(quick.get("list-batches"), true));
        assertThat(Sizes.values(false, Map.of()).get("curve-points")).isEqualTo(3);
    }

    @Test
    void two_points_take_the_smallest_sizes_so_that_two_nodes_can_be_tried_cheaply() {
        assertThat(CurvePlan.points(CurvePlan.NODES, 1, 2))
                .containsExactly(new CurvePlan.Point(1, true), new CurvePlan.Point(2, false));
        assertThat(CurvePlan.points(CurvePlan.LIST_ROWS, 100_000, 2))
                .containsExactly(new CurvePlan.Point(10_000, false), new CurvePlan.Point(100_000, true));
    }
}
