package io.batchcall.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The run's outcome: one table (each figure, its baseline, the ratio, the target and whether it was met) on the
 * console, and the same with every detail as JSON in the results directory.
 */
record Report(Instant startedAt, boolean quick, Map<String, Object> machine, Map<String, String> postgres,
              Map<String, Long> sizes, List<Figure> figures, List<Curve> curves, Map<String, Object> details) {

    private static final String[] HEADER = {"scenario", "measure", "batchcall", "baseline", "ratio", "target", "met"};

    void print(PrintStream out) {
        out.printf("%nbatchcall benchmark (%s run), %s%n", quick ? "quick" : "full", startedAt);
        out.printf("machine: %s%n", machine);
        out.printf("postgres: %s%n%n", postgres);
        var rows = new ArrayList<String[]>();
        rows.add(HEADER);
        for (var figure : figures) {
            rows.add(new String[] {
                    figure.scenario(),
                    figure.measure(),
                    number(figure.value()) + (figure.unit().isEmpty() ? "" : " " + figure.unit()),
                    figure.baseline().map(b -> number(b.value()) + " (" + b.name() + ")").orElse(""),
                    figure.ratio().map(r -> String.format(Locale.ROOT, "%.2fx", r)).orElse(""),
                    figure.target().map(Figure.Target::text).orElse(""),
                    figure.target().map(t -> t.met() ? "met" : "NOT MET").orElse("")});
        }
        var widths = new int[HEADER.length];
        rows.forEach(row -> {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        });
        for (int r = 0; r < rows.size(); r++) {
            var line = new StringBuilder("|");
            for (int i = 0; i < HEADER.length; i++) {
                line.append(' ').append(String.format("%-" + widths[i] + "s", rows.get(r)[i])).append(" |");
            }
            out.println(line);
            if (r == 0) {
                var rule = new StringBuilder("|");
                for (int width : widths) {
                    rule.append("-".repeat(width + 2)).append('|');
                }
                out.println(rule);
            }
        }
        long targets = figures.stream().filter(f -> f.target().isPresent()).count();
        long met = figures.stream().filter(f -> f.target().filter(Figure.Target::met).isPresent()).count();
        out.printf("%ntargets met: %d of %d (goals, not gates: a missed target does not fail the run)%n", met,
                targets);
    }

    /** The JSON and the HTML report of one run, side by side. */
    record Written(Path json, Path html) {}

    /**
     * Writes {@code bench-<quick|full>-<time>.json} and the HTML report with the curves, {@code .html} beside it,
     * into the directory.
     */
    Written write(Path directory) {
        var json = new LinkedHashMap<String, Object>();
        json.put("started_at", startedAt.toString());
        json.put("mode", quick ? "quick" : "full");
        json.put("machine", machine);
        json.put("postgres", postgres);
        json.put("sizes", sizes);
        var rows = new ArrayList<Map<String, Object>>();
        for (var figure : figures) {
            var row = new LinkedHashMap<String, Object>();
            row.put("scenario", figure.scenario());
            row.put("measure", figure.measure());
            row.put("unit", figure.unit());
            row.put("value", figure.value());
            figure.baseline().ifPresent(b -> row.put("baseline", Map.of("name", b.name(), "value", b.value())));
            figure.ratio().ifPresent(r -> row.put("ratio", r));
            figure.target().ifPresent(t -> row.put("target", Map.of("text", t.text(), "met", t.met())));
            rows.add(row);
        }
        json.put("figures", rows);
        json.put("curves", curves.stream().map(Curve::json).toList());
        json.put("details", details);
        var name = "bench-" + (quick ? "quick" : "full") + "-"
                + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(startedAt) + ".json";
        try {
            Files.createDirectories(directory);
            var file = directory.resolve(name);
            ApiClient.JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);
            var html = directory.resolve(name.replace(".json", ".html"));
            Files.writeString(html, HtmlReport.html(this));
            return new Written(file, html);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the results to " + directory, e);
        }
    }

    static String number(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        if (Math.abs(value) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        return String.format(Locale.ROOT, Math.abs(value) >= 10 ? "%.1f" : "%.2f", value);
    }
}
