package io.batchcall.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.CallingWindow;
import io.batchcall.domain.CallingWindow.Holidays;
import io.batchcall.domain.CallingWindow.JurisdictionRules;
import io.batchcall.domain.CallingWindow.Purpose;
import io.batchcall.domain.CallingWindow.UnknownTimezone;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The {@code calling_window} object on the wire: read from a request (every problem collected with its loc, relative
 * to the object), and written normalised as {@code batches.calling_window} and the defaults store it (always the
 * {@code hours} form, every default spelled out), which is also what the claim reads back. The hours and the dates
 * are read by {@link CallingHoursJson} and {@link CallingDatesJson}.
 */
public final class CallingWindowJson {
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
        var hours = CallingHoursJson.hours(node, problems);
        var holidays = CallingDatesJson.holidays(node.get("holidays"), problems);
        var blackouts = CallingDatesJson.blackouts(node.get("blackout_dates"), problems);
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
            var list = hours.putArray(CallingHoursJson.DAYS.get(day.getValue() - 1));
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
