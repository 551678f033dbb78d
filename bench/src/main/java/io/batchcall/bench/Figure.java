package io.batchcall.bench;

import java.util.Optional;

/**
 * One row of the table: what batchcall measured, the baseline measured the same way in the same run (and the
 * ratio batchcall / baseline), and the target with whether it was met.
 */
record Figure(String scenario, String measure, String unit, double value, Optional<Baseline> baseline,
              Optional<Target> target) {

    /** A baseline's figure: the floor (plain JDBC), db-scheduler, or the same query without HTTP. */
    record Baseline(String name, double value) {}

    /** A goal, as text (such as {@code p50 <= 300 ms}), and whether this run met it. */
    record Target(String text, boolean met) {}

    static Figure of(String scenario, String measure, String unit, double value) {
        return new Figure(scenario, measure, unit, value, Optional.empty(), Optional.empty());
    }

    Figure against(String baselineName, double baselineValue) {
        return new Figure(scenario, measure, unit, value, Optional.of(new Baseline(baselineName, baselineValue)),
                target);
    }

    /** Met when the value is at most {@code limit}. */
    Figure atMost(double limit, String text) {
        return new Figure(scenario, measure, unit, value, baseline, Optional.of(new Target(text, value <= limit)));
    }

    /** Met when the value is at least {@code limit}. */
    Figure atLeast(double limit, String text) {
        return new Figure(scenario, measure, unit, value, baseline, Optional.of(new Target(text, value >= limit)));
    }

    /** Met when batchcall / baseline is at least {@code limit}. */
    Figure ratioAtLeast(double limit, String text) {
        return target(text, ratio().orElse(0.0) >= limit);
    }

    Figure target(String text, boolean met) {
        return new Figure(scenario, measure, unit, value, baseline, Optional.of(new Target(text, met)));
    }

    /** batchcall / baseline, when there is a baseline. */
    Optional<Double> ratio() {
        return baseline.filter(b -> b.value() != 0).map(b -> value / b.value());
    }
}
