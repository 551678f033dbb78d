package io.batchcall.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Which sizes each curve is measured at (issue 17), and which of them the main scenario already measured. A full
 * run takes the sizes; {@code --curve-points=1} (the quick run's) keeps each curve at one point, the one
 * its main scenario measured, so a quick run adds no work for the curves and still writes every chart.
 */
final class CurvePlan {
    static final long[] DISPATCH_CONCURRENCY = {50, 500, 5_000};
    static final long[] SUBMIT_RECIPIENTS = {1_000, 5_000, 10_000};
    static final long[] LIST_ROWS = {10_000, 100_000, 1_000_000};
    static final long[] CONVERSATION_ROWS = {10_000, 100_000, 1_000_000};
    static final long[] CALLS_IN_FLIGHT = {1_000, 5_000, 10_000};
    static final long[] NODES = {1, 2};

    private CurvePlan() {}

    /** One size of a curve; {@code measured} when the main scenario ran at exactly this size. */
    record Point(long size, boolean measured) {}

    /**
     * The first {@code count} of the curve's sizes, each marked measured where it is the main scenario's size;
     * with a count of one, just the main scenario's own size.
     */
    static List<Point> points(long[] sizes, long mainSize, int count) {
        if (count <= 1) {
            return List.of(new Point(mainSize, true));
        }
        var points = new ArrayList<Point>();
        for (int i = 0; i < Math.min(count, sizes.length); i++) {
            points.add(new Point(sizes[i], sizes[i] == mainSize));
        }
        return points;
    }
}
