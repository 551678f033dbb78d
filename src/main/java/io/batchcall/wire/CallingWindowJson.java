package io.batchcall.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.CallingWindow;
import io.batchcall.domain.CallingWindow.Blackout;
import io.batchcall.domain.CallingWindow.DailyRange;
import io.batchcall.domain.CallingWindow.Holidays;
import io.batchcall.domain.CallingWindow.JurisdictionRules;
import io.batchcall.domain.CallingWindow.Purpose;
import io.batchcall.domain.CallingWindow.UnknownTimezone;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code calling_window} object on the wire: read from a request (every problem collected with its loc, relative
 * to the object), and written normalised as {@code batches.calling_window} and the defaults store it (always the
 * {@code hours} form, every default spelled out), which is also what the claim reads back.
 */
public final class CallingWindowJson {
    private static final Pattern TIME = Pattern.compile("([01]\\d|2[0-4]):([0-5]\\d)");
    private static final Pattern COUNTRY = Pattern.compile("[A-Za-z]{2}");
    private static final Pattern SUBDIVISION = Pattern.compile("[A-Za-z]{2}-[A-Za-z0-9]{1,3}");
    private static final List<String> DAYS = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");
    private static final Set<String> FIELDS = Set.of(
            "days",
            "start",
            "end",
            "hours",
            "holidays",
            "blackout_dates",
            "expires_at_unix",
            "purpose",
            "min_slot_seconds",
            "unknown_timezone",
            "jurisdiction_rules");
    private static final long MAX_MIN_SLOT_SECONDS = 86_400;

    /** A problem with the object, at {@code loc} below it, in Pydantic's words. */
    public record Problem(List<Object> loc, String msg, String type) {}

    /** The window, or every problem found. */
    public sealed interface Parsed {
        record Valid(CallingWindow window) implements Parsed {}

        record Invalid(List<Problem> problems) implements Parsed {}
    }

    private CallingWindowJson() {}

    /** Reads a stored (normalised) window; the store only holds what {@link #parse} accepted. */
    public static CallingWindow read(String json) {
        try {
            return switch (parse(WireJson.MAPPER.readTree(json))) {
                case Parsed.Valid valid -> valid.window();
                case Parsed.Invalid invalid ->
                    throw new IllegalStateException("a stored calling window is invalid: " + invalid.problems());
            };
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored calling window is not JSON", e);
        }
    }

    public static Parsed parse(JsonNode node) {
        var problems = new ArrayList<Problem>();
        if (node == null || !node.isObject()) {
            problems.add(new Problem(
                    List.of(),
                    "Input should be a valid dictionary or object to extract fields from",
                    "model_attributes_type"));
            return new Parsed.Invalid(problems);
        }
        node.fieldNames().forEachRemaining(field -> {
            if (!FIELDS.contains(field)) {
                problems.add(new Problem(List.of(field), "Extra inputs are not permitted", "extra_forbidden"));
            }
        });
        var hours = hours(node, problems);
        var holidays = holidays(node.get("holidays"), problems);
        var blackouts = blackouts(node.get("blackout_dates"), problems);
        var expires = integer(node, "expires_at_unix", 0, Long.MAX_VALUE / 1000, problems)
                .map(Instant::ofEpochSecond);
        var purpose = choice(
                node,
                "purpose",
                problems,
                Purpose::fromWire,
                Stream.of(Purpose.values()).map(Purpose::wireName).toList());
        var minSlot = integer(node, "min_slot_seconds", 0, MAX_MIN_SLOT_SECONDS, problems)
                .map(Duration::ofSeconds);
        var unknown = choice(
                node,
                "unknown_timezone",
                problems,
                UnknownTimezone::fromWire,
                Stream.of(UnknownTimezone.values())
                        .map(UnknownTimezone::wireName)
                        .toList());
        var rules = choice(
                node,
                "jurisdiction_rules",
                problems,
                JurisdictionRules::fromWire,
                Stream.of(JurisdictionRules.values())
                        .map(JurisdictionRules::wireName)
                        .toList());
        if (!problems.isEmpty()) {
            return new Parsed.Invalid(problems);
        }
        return new Parsed.Valid(new CallingWindow(
                hours,
                holidays,
                blackouts,
                expires,
                purpose,
                minSlot,
                unknown.orElse(UnknownTimezone.HOLD),
                rules.orElse(JurisdictionRules.ENFORCE)));
    }

    /** The normalised JSON text of a window. */
    public static String write(CallingWindow window) {
        var node = WireJson.MAPPER.createObjectNode();
        var hours = node.putObject("hours");
        window.hours().forEach((day, ranges) -> {
            var list = hours.putArray(DAYS.get(day.getValue() - 1));
            ranges.forEach(range ->
                    list.addArray().add(time(range.start())).add(range.endsAtMidnight() ? "24:00" : time(range.end())));
        });
        window.holidays().ifPresent(spec -> {
            switch (spec) {
                case Holidays.Auto auto -> node.put("holidays", "auto");
                case Holidays.Calendar calendar -> {
                    var holidays = node.putObject("holidays");
                    holidays.put("country", calendar.country());
                    calendar.subdivision().ifPresent(sub -> holidays.put("subdivision", sub));
                }
            }
        });
        var blackouts = node.putArray("blackout_dates");
        window.blackoutDates()
                .forEach(b -> blackouts
                        .addObject()
                        .put("name", b.name())
                        .put("from", b.from().toString())
                        .put("to", b.to().toString()));
        window.expiresAt().ifPresent(at -> node.put("expires_at_unix", at.getEpochSecond()));
        window.purpose().ifPresent(p -> node.put("purpose", p.wireName()));
        window.minSlot().ifPresent(slot -> node.put("min_slot_seconds", slot.toSeconds()));
        node.put("unknown_timezone", window.unknownTimezone().wireName());
        node.put("jurisdiction_rules", window.jurisdictionRules().wireName());
        return node.toString();
    }

    /** The window as a JSON tree, for responses. */
    public static JsonNode tree(String json) {
        try {
            return WireJson.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON always parses", e);
        }
    }

    private static String time(LocalTime time) {
        return String.format(Locale.ROOT, "%02d:%02d", time.getHour(), time.getMinute());
    }

    private static Map<DayOfWeek, List<DailyRange>> hours(JsonNode node, List<Problem> problems) {
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

    private static Optional<Holidays> holidays(JsonNode node, List<Problem> problems) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (node.isTextual() && node.textValue().equals("auto")) {
            return Optional.of(new Holidays.Auto());
        }
        if (!node.isObject()) {
            problems.add(new Problem(
                    List.of("holidays"),
                    "Input should be 'auto' or an object with country and optionally subdivision",
                    "value_error"));
            return Optional.empty();
        }
        var country = node.path("country");
        if (!country.isTextual() || !COUNTRY.matcher(country.textValue()).matches()) {
            problems.add(new Problem(
                    List.of("holidays", "country"),
                    "Value error, an ISO 3166-1 alpha-2 country code such as US",
                    "value_error"));
            return Optional.empty();
        }
        var code = country.textValue().toUpperCase(Locale.ROOT);
        var subdivision = node.path("subdivision");
        if (subdivision.isMissingNode() || subdivision.isNull()) {
            return Optional.of(new Holidays.Calendar(code, Optional.empty()));
        }
        if (!subdivision.isTextual()
                || !SUBDIVISION.matcher(subdivision.textValue()).matches()
                || !subdivision.textValue().toUpperCase(Locale.ROOT).startsWith(code + "-")) {
            problems.add(new Problem(
                    List.of("holidays", "subdivision"),
                    "Value error, an ISO 3166-2 subdivision of " + code + " such as " + code + "-CA",
                    "value_error"));
            return Optional.empty();
        }
        return Optional.of(
                new Holidays.Calendar(code, Optional.of(subdivision.textValue().toUpperCase(Locale.ROOT))));
    }

    private static List<Blackout> blackouts(JsonNode node, List<Problem> problems) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            problems.add(new Problem(List.of("blackout_dates"), "Input should be a valid list", "list_type"));
            return List.of();
        }
        var result = new ArrayList<Blackout>();
        for (int i = 0; i < node.size(); i++) {
            var element = node.get(i);
            if (!element.isObject()) {
                problems.add(new Problem(
                        List.of("blackout_dates", i),
                        "Input should be a valid dictionary or object to extract fields from",
                        "model_attributes_type"));
                continue;
            }
            var name = element.path("name").isTextual() ? element.path("name").textValue() : "";
            var from = date(element.get("from"), List.of("blackout_dates", i, "from"), problems);
            var to = element.hasNonNull("to")
                    ? date(element.get("to"), List.of("blackout_dates", i, "to"), problems)
                    : from;
            if (from.isPresent() && to.isPresent()) {
                if (to.get().isBefore(from.get())) {
                    problems.add(new Problem(
                            List.of("blackout_dates", i, "to"), "Value error, to is on or after from", "value_error"));
                } else {
                    result.add(new Blackout(name, from.get(), to.get()));
                }
            }
        }
        return result;
    }

    private static Optional<LocalDate> date(JsonNode node, List<Object> loc, List<Problem> problems) {
        if (node == null || node.isNull()) {
            problems.add(new Problem(loc, "Field required", "missing"));
            return Optional.empty();
        }
        try {
            if (node.isTextual()) {
                return Optional.of(LocalDate.parse(node.textValue()));
            }
        } catch (DateTimeException e) {
            // reported below
        }
        problems.add(new Problem(
                loc, "Input should be a valid date in the format YYYY-MM-DD", "date_from_datetime_parsing"));
        return Optional.empty();
    }

    private static Optional<Long> integer(JsonNode node, String field, long min, long max, List<Problem> problems) {
        var value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            problems.add(new Problem(List.of(field), "Input should be a valid integer", "int_type"));
            return Optional.empty();
        }
        if (value.longValue() < min) {
            problems.add(new Problem(
                    List.of(field), "Input should be greater than or equal to " + min, "greater_than_equal"));
            return Optional.empty();
        }
        if (value.longValue() > max) {
            problems.add(
                    new Problem(List.of(field), "Input should be less than or equal to " + max, "less_than_equal"));
            return Optional.empty();
        }
        return Optional.of(value.longValue());
    }

    private static <T> Optional<T> choice(
            JsonNode node,
            String field,
            List<Problem> problems,
            java.util.function.Function<String, Optional<T>> fromWire,
            List<String> allowed) {
        var value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        var parsed = value.isTextual() ? fromWire.apply(value.textValue()) : Optional.<T>empty();
        if (parsed.isEmpty()) {
            problems.add(new Problem(List.of(field), "Input should be " + oneOf(allowed), "enum"));
        }
        return parsed;
    }

    private static String oneOf(List<String> allowed) {
        var quoted = allowed.stream().map(a -> "'" + a + "'").toList();
        return String.join(", ", quoted.subList(0, quoted.size() - 1)) + " or " + quoted.getLast();
    }

    /** A copy of a window's JSON with defaults settled at submit: min slot and the workspace's jurisdiction rules. */
    public static String settle(CallingWindow window, int ringingTimeoutSecs, JurisdictionRules rules) {
        var minSlot =
                window.minSlot().orElse(Duration.ofSeconds(ringingTimeoutSecs).plus(CallingWindow.MIN_SLOT_MARGIN));
        return write(new CallingWindow(
                window.hours(),
                window.holidays(),
                window.blackoutDates(),
                window.expiresAt(),
                window.purpose(),
                Optional.of(minSlot),
                window.unknownTimezone(),
                rules));
    }
}
