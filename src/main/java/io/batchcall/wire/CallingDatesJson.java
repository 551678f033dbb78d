package io.batchcall.wire;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.CallingWindow.Blackout;
import io.batchcall.domain.CallingWindow.Holidays;
import io.batchcall.wire.CallingWindowJson.Problem;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A calling window's dates on the wire: {@code holidays} ({@code "auto"} or a country and subdivision) and
 * {@code blackout_dates}, with every problem collected at its loc (part of {@link CallingWindowJson}).
 */
final class CallingDatesJson {
    private static final Pattern COUNTRY = Pattern.compile("[A-Za-z]{2}");
    private static final Pattern SUBDIVISION = Pattern.compile("[A-Za-z]{2}-[A-Za-z0-9]{1,3}");

    private CallingDatesJson() {}

    static Optional<Holidays> holidays(JsonNode node, List<Problem> problems) {
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

    static List<Blackout> blackouts(JsonNode node, List<Problem> problems) {
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
}
