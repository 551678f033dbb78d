package io.batchcall.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How one cost grows with one size (issue 17): points (size, cost) per series, such as p50 and p99 of one
 * latency. A quick run has one point per curve; a full run has the sizes.
 */
record Curve(String id, String title, String xLabel, String yLabel, List<Series> series) {

    record Point(double x, double y) {}

    record Series(String name, List<Point> points) {}

    /** Builds a curve point by point, keeping each series's points in x order. */
    static final class Builder {
        private final String id;
        private final String title;
        private final String xLabel;
        private final String yLabel;
        private final Map<String, List<Point>> series = new LinkedHashMap<>();

        Builder(String id, String title, String xLabel, String yLabel) {
            this.id = id;
            this.title = title;
            this.xLabel = xLabel;
            this.yLabel = yLabel;
        }

        Builder add(String seriesName, double x, double y) {
            series.computeIfAbsent(seriesName, name -> new ArrayList<>()).add(new Point(x, y));
            return this;
        }

        Curve build() {
            var built = new ArrayList<Series>();
            series.forEach((name, points) -> built.add(new Series(name, points.stream()
                    .sorted(java.util.Comparator.comparingDouble(Point::x)).toList())));
            return new Curve(id, title, xLabel, yLabel, List.copyOf(built));
        }
    }

    /** For the JSON: each series as a list of {x, y}. */
    Map<String, Object> json() {
        var json = new LinkedHashMap<String, Object>();
        json.put("id", id);
        json.put("title", title);
        json.put("x", xLabel);
        json.put("y", yLabel);
        var list = new ArrayList<Map<String, Object>>();
        for (var s : series) {
            list.add(Map.of("name", s.name(), "points", s.points().stream()
                    .map(p -> Map.of("x", p.x(), "y", p.y())).toList()));
        }
        json.put("series", list);
        return json;
    }
}
