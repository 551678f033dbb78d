package io.batchcall.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One {@link Curve} as an inline SVG line chart, drawn by our own code so that the report needs no script or
 * style sheet from anywhere: axes with round ticks, the x axis logarithmic when the sizes span a factor of ten or
 * more (the sizes go 1k / 10k / 100k / 1M), one coloured line with dots per series, a legend. The scale
 * arithmetic is in {@link Scale}, apart from the drawing, so that it can be tested.
 */
final class SvgChart {
    static final int WIDTH = 560;
    static final int HEIGHT = 320;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};

    private SvgChart() {}

    /** A linear or logarithmic map from data values onto a pixel range, with the ticks to label. */
    record Scale(double min, double max, boolean log, int from, int to) {
        static Scale of(List<Double> values, boolean allowLog, int from, int to) {
            double lo = values.stream().mapToDouble(Double::doubleValue).filter(Double::isFinite).min().orElse(0);
            double hi = values.stream().mapToDouble(Double::doubleValue).filter(Double::isFinite).max().orElse(1);
            if (allowLog && lo > 0 && hi / lo >= 10) {
                return new Scale(Math.pow(10, Math.floor(Math.log10(lo))), Math.pow(10, Math.ceil(Math.log10(hi))),
                        true, from, to);
            }
            // Costs start at zero so that the eye reads ratios off the chart; a single value gets room above it.
            double low = Math.min(0, lo);
            double high = hi <= low ? low + 1 : hi;
            double step = niceStep((high - low) / 5);
            return new Scale(Math.floor(low / step) * step, Math.ceil(high / step) * step, false, from, to);
        }

        /** The pixel of a value. */
        double pixel(double value) {
            double fraction = log
                    ? (Math.log10(value) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))
                    : (value - min) / (max - min);
            return from + fraction * (to - from);
        }

        /** Powers of ten on a log scale; five or so round steps on a linear one. */
        List<Double> ticks() {
            var ticks = new ArrayList<Double>();
            if (log) {
                for (double t = min; t <= max * 1.0001; t *= 10) {
                    ticks.add(t);
                }
                return ticks;
            }
            double step = niceStep((max - min) / 5);
            for (double t = min; t <= max + step / 1000; t += step) {
                ticks.add(Math.abs(t) < step / 1e6 ? 0 : t);
            }
            return ticks;
        }
    }

    /** 1, 2 or 5 times a power of ten, the smallest at least {@code rough}. */
    static double niceStep(double rough) {
        if (!(rough > 0) || !Double.isFinite(rough)) {
            return 1;
        }
        double power = Math.pow(10, Math.floor(Math.log10(rough)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * power >= rough * 0.9999) {
                return m * power;
            }
        }
        return 10 * power;
    }

    /** 1,000 as 1k, 1,000,000 as 1M, small values with a decimal or two. */
    static String label(double value) {
        double a = Math.abs(value);
        if (a >= 1e6 && value % 1e5 == 0) {
            return trim(value / 1e6) + "M";
        }
        if (a >= 1e3 && value % 100 == 0) {
            return trim(value / 1e3) + "k";
        }
        if (a >= 100 || value == Math.rint(value)) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        return String.format(Locale.ROOT, a >= 10 ? "%.1f" : "%.2f", value);
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%.1f", value);
    }

    static String svg(Curve curve) {
        var xs = new ArrayList<Double>();
        var ys = new ArrayList<Double>();
        curve.series().forEach(s -> s.points().forEach(p -> {
            xs.add(p.x());
            ys.add(p.y());
        }));
        var x = xs.isEmpty() ? Scale.of(List.of(0.0, 1.0), false, LEFT, WIDTH - RIGHT)
                : xs.stream().distinct().count() == 1
                        ? new Scale(xs.getFirst() * 0.5, xs.getFirst() * 1.5, false, LEFT, WIDTH - RIGHT)
                        : Scale.of(xs, true, LEFT, WIDTH - RIGHT);
        var y = Scale.of(ys.isEmpty() ? List.of(0.0, 1.0) : ys, false, HEIGHT - BOTTOM, TOP);
        var svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\">%n",
                WIDTH, HEIGHT, WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append("<title>").append(escape(curve.title())).append("</title>\n");
        svg.append(text(WIDTH / 2.0, 18, "middle", "13", escape(curve.title())));
        for (double t : y.ticks()) {
            double py = y.pixel(t);
            svg.append(line(LEFT, py, WIDTH - RIGHT, py, "#e5e5e5"));
            svg.append(text(LEFT - 6, py + 4, "end", "11", label(t)));
        }
        var xTicks = x.log() ? x.ticks() : xs.stream().distinct().sorted().toList();
        for (double t : xTicks) {
            double px = x.pixel(t);
            svg.append(line(px, HEIGHT - BOTTOM, px, HEIGHT - BOTTOM + 5, "#333"));
            svg.append(text(px, HEIGHT - BOTTOM + 18, "middle", "11", label(t)));
        }
        svg.append(line(LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM, "#333"));
        svg.append(line(LEFT, TOP, LEFT, HEIGHT - BOTTOM, "#333"));
        svg.append(text((LEFT + WIDTH - RIGHT) / 2.0, HEIGHT - 12, "middle", "11",
                escape(curve.xLabel()) + (x.log() ? " (log scale)" : "")));
        svg.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90"
                + " 14 %.1f)\">%s</text>%n", (TOP + HEIGHT - BOTTOM) / 2.0, (TOP + HEIGHT - BOTTOM) / 2.0,
                escape(curve.yLabel())));
        for (int i = 0; i < curve.series().size(); i++) {
            var series = curve.series().get(i);
            var colour = COLOURS[i % COLOURS.length];
            var points = new StringBuilder();
            for (var p : series.points()) {
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x.pixel(p.x()), y.pixel(p.y())));
            }
            svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\""
                    + " points=\"%s\"/>%n", colour, points.toString().strip()));
            for (var p : series.points()) {
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\">"
                        + "<title>%s: %s at %s</title></circle>%n", x.pixel(p.x()), y.pixel(p.y()), colour,
                        escape(series.name()), label(p.y()), label(p.x())));
            }
            double ly = TOP + 4 + 14 * i;
            svg.append(line(LEFT + 10, ly, LEFT + 28, ly, colour));
            svg.append(text(LEFT + 32, ly + 4, "start", "11", escape(series.name())));
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static String line(double x1, double y1, double x2, double y2, String colour) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n",
                x1, y1, x2, y2, colour);
    }

    private static String text(double x, double y, String anchor, String size, String content) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%s\">%s</text>%n",
                x, y, anchor, size, content);
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
