package io.batchcall.bench;

import java.util.Locale;
import java.util.Map;

/**
 * The run as one self-contained HTML page: the machine, the table of figures, and a chart per curve as inline SVG
 * ({@link SvgChart}). No script, style sheet or font is fetched from anywhere: the file can be opened offline or
 * attached to an issue as it is.
 */
final class HtmlReport {
    private HtmlReport() {}

    static String html(Report report) {
        var html = new StringBuilder();
        var mode = report.quick() ? "quick" : "full";
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>batchcall benchmark (")
                .append(mode).append(" run) ").append(report.startedAt()).append("</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
                        + "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}"
                        + "td.n{text-align:right}.miss{color:#b00}.met{color:#070}"
                        + ".charts{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}</style>\n</head><body>\n");
        html.append("<h1>batchcall benchmark (").append(mode).append(" run)</h1>\n<p>Started ")
                .append(report.startedAt()).append(". Machine: ").append(SvgChart.escape(text(report.machine())))
                .append(". PostgreSQL: ").append(SvgChart.escape(text(report.postgres()))).append(".</p>\n");
        if (report.curves().stream().allMatch(c -> c.series().stream().allMatch(s -> s.points().size() <= 1))) {
            html.append("<p>Each curve has one point here, the one its scenario measured (a quick run):"
                    + " the curves need a full run (<code>bench/run</code>).</p>\n");
        }
        html.append("<h2>How cost grows</h2>\n<div class=\"charts\">\n");
        for (var curve : report.curves()) {
            html.append("<figure id=\"").append(SvgChart.escape(curve.id())).append("\">")
                    .append(SvgChart.svg(curve)).append(table(curve)).append("</figure>\n");
        }
        html.append("</div>\n<h2>Figures</h2>\n<table>\n<tr><th>scenario</th><th>measure</th><th>batchcall</th>"
                + "<th>baseline</th><th>ratio</th><th>target</th><th>met</th></tr>\n");
        for (var f : report.figures()) {
            html.append("<tr><td>").append(SvgChart.escape(f.scenario())).append("</td><td>")
                    .append(SvgChart.escape(f.measure())).append("</td><td class=\"n\">")
                    .append(number(f.value())).append(' ').append(SvgChart.escape(f.unit())).append("</td><td>")
                    .append(f.baseline().map(b -> number(b.value()) + " (" + SvgChart.escape(b.name()) + ")")
                            .orElse(""))
                    .append("</td><td class=\"n\">")
                    .append(f.ratio().map(r -> String.format(Locale.ROOT, "%.2fx", r)).orElse(""))
                    .append("</td><td>").append(f.target().map(t -> SvgChart.escape(t.text())).orElse(""))
                    .append("</td><td>")
                    .append(f.target().map(t -> t.met() ? "<span class=\"met\">met</span>"
                            : "<span class=\"miss\">NOT MET</span>").orElse(""))
                    .append("</td></tr>\n");
        }
        html.append("</table>\n</body></html>\n");
        return html.toString();
    }

    /** The numbers under each chart, for reading exact values and for screen readers. */
    private static String table(Curve curve) {
        var table = new StringBuilder("<figcaption><table><tr><th>")
                .append(SvgChart.escape(curve.xLabel())).append("</th>");
        curve.series().forEach(s -> table.append("<th>").append(SvgChart.escape(s.name())).append("</th>"));
        table.append("</tr>");
        var xs = curve.series().stream().flatMap(s -> s.points().stream()).map(Curve.Point::x).distinct().sorted()
                .toList();
        for (double x : xs) {
            table.append("<tr><td class=\"n\">").append(SvgChart.label(x)).append("</td>");
            for (var s : curve.series()) {
                table.append("<td class=\"n\">").append(s.points().stream().filter(p -> p.x() == x).findFirst()
                        .map(p -> number(p.y())).orElse("")).append("</td>");
            }
            table.append("</tr>");
        }
        return table.append("</table></figcaption>").toString();
    }

    private static String text(Map<String, ?> map) {
        return String.join(", ", map.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList());
    }

    private static String number(double value) {
        return Report.number(value);
    }
}
