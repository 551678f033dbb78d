package io.batchcall.wire;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.CallingWindow.DailyRange;
import io.batchcall.wire.CallingWindowJson.Problem;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A calling window's weekly hours on the wire: {@code days}, {@code start} and {@code end}, or {@code hours} per
 * day, read into ranges with every problem collected at its loc (part of {@link CallingWindowJson}).
 */
final class CallingHoursJson {
    private static final Pattern TIME = Pattern.compile("([01]\\d|2[0-4]):([0-5]\\d)");
    /** The wire's day names, Monday first. */
    static final List<String> DAYS = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");

    private CallingHoursJson() {}

    static Map<DayOfWeek, List<DailyRange>> hours(JsonNode node, List<Problem> problems) {
        var result = new EnumMap<DayOfWeek, List<DailyRange>>(DayOfWeek.class);
        boolean simple = node.has("days") || node.has("start") || node.has("end");
        var hours = node.get("hours");
        if (hours != null && !hours.isNull() && simple) {
            problems.add(new Problem(
                    List.of("hours"),
                    "Value error, give either days, start and end or hours, not both",
                    "value_error"));
            return result;
        }
        if (hours != null && !hours.isNull()) {
            if (!hours.isObject()) {
                problems.add(new Problem(List.of("hours"), "Input should be a valid dictionary", "dict_type"));
                return result;
            }
            hours.properties().forEach(entry -> {
                var day = DAYS.indexOf(entry.getKey());
                if (day < 0) {
                    problems.add(new Problem(
                            List.of("hours", entry.getKey()),
                            "Input should be one of " + String.join(", ", DAYS),
                            "enum"));
                    return;
                }
                if (!entry.getValue().isArray()) {
                    problems.add(
                            new Problem(List.of("hours", entry.getKey()), "Input should be a valid list", "list_type"));
                    return;
                }
                var ranges = new ArrayList<DailyRange>();
                for (int i = 0; i < entry.getValue().size(); i++) {
                    var pair = entry.getValue().get(i);
                    List<Object> loc = List.of("hours", entry.getKey(), i);
                    if (!pair.isArray() || pair.size() != 2) {
                        problems.add(new Problem(loc, "Value error, a range is [\"HH:MM\", \"HH:MM\"]", "value_error"));
                        continue;
                    }
                    range(pair.get(0), pair.get(1), loc, loc, problems).ifPresent(ranges::add);
                }
                overlapping(ranges, List.of("hours", entry.getKey()), problems);
                result.put(DayOfWeek.of(day + 1), ranges);
            });
            return result;
        }
        if (!simple) {
            problems.add(
                    new Problem(List.of("hours"), "Field required: give days, start and end, or hours", "missing"));
            return result;
        }
        var days = new ArrayList<DayOfWeek>();
        var daysNode = node.get("days");
        if (daysNode == null || daysNode.isNull()) {
            DAYS.forEach(d -> days.add(DayOfWeek.of(DAYS.indexOf(d) + 1))); // every day, when not narrowed
        } else if (!daysNode.isArray() || daysNode.isEmpty()) {
            problems.add(new Problem(List.of("days"), "Input should be a non-empty list of days", "list_type"));
        } else {
            for (int i = 0; i < daysNode.size(); i++) {
                var day = daysNode.get(i).isTextual()
                        ? DAYS.indexOf(daysNode.get(i).textValue())
                        : -1;
                if (day < 0) {
                    problems.add(new Problem(
                            List.of("days", i), "Input should be one of " + String.join(", ", DAYS), "enum"));
                } else {
                    days.add(DayOfWeek.of(day + 1));
                }
            }
        }
        var range = range(node.get("start"), node.get("end"), List.of("start"), List.of("end"), problems);
        range.ifPresent(r -> days.forEach(day -> result.put(day, List.of(r))));
        return result;
    }

    private static Optional<DailyRange> range(
            JsonNode start, JsonNode end, List<Object> startLoc, List<Object> endLoc, List<Problem> problems) {
        var from = time(start, startLoc, false, problems);
        var to = time(end, endLoc, true, problems);
        if (from.isEmpty() || to.isEmpty()) {
            return Optional.empty();
        }
        if (!to.get().equals(LocalTime.MIDNIGHT) && !to.get().isAfter(from.get())) {
            problems.add(new Problem(
                    endLoc,
                    "Value error, a range ends after it starts; ranges crossing midnight are not supported: split"
                            + " one into two (e.g. 22:00-24:00 and 00:00-02:00 on the next day)",
                    "value_error"));
            return Optional.empty();
        }
        return Optional.of(new DailyRange(from.get(), to.get()));
    }

    private static Optional<LocalTime> time(JsonNode node, List<Object> loc, boolean end, List<Problem> problems) {
        if (node == null || node.isNull()) {
            problems.add(new Problem(loc, "Field required", "missing"));
            return Optional.empty();
        }
        var matcher = node.isTextual() ? TIME.matcher(node.textValue()) : null;
        if (matcher == null || !matcher.matches()) {
            problems.add(new Problem(loc, "Value error, a time is \"HH:MM\" (00:00 to 24:00)", "value_error"));
            return Optional.empty();
        }
        int hour = Integer.parseInt(matcher.group(1));
        int minute = Integer.parseInt(matcher.group(2));
        if (hour == 24 && (minute != 0 || !end)) {
            problems.add(new Problem(loc, "Value error, 24:00 is only an end, the end of the day", "value_error"));
            return Optional.empty();
        }
        return Optional.of(hour == 24 ? LocalTime.MIDNIGHT : LocalTime.of(hour, minute));
    }

    private static void overlapping(List<DailyRange> ranges, List<Object> loc, List<Problem> problems) {
        var sorted = ranges.stream().sorted().toList();
        for (int i = 1; i < sorted.size(); i++) {
            var previous = sorted.get(i - 1);
            if (previous.endsAtMidnight()
                    || previous.end().isAfter(sorted.get(i).start())) {
                problems.add(new Problem(loc, "Value error, the ranges of a day overlap", "value_error"));
                return;
            }
        }
    }
}
