package io.batchcall.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchcall.domain.CallingWindow;
import io.batchcall.domain.UnixTime;
import io.batchcall.rules.JollydayHolidays;
import io.batchcall.wire.CallingWindowJson;
import java.util.Optional;

/** Reads {@code calling_window} objects from request bodies into the API's 422 shape, and shows stored ones. */
final class CallingWindowRequests {
    private CallingWindowRequests() {}

    /** The window in {@code field} of {@code body}; each problem is reported under that field's loc. */
    static Optional<CallingWindow> read(JsonBody body, String field) {
        return body.raw(field).flatMap(node -> read(body, java.util.List.of(field), node));
    }

    /** The window {@code node}, found at {@code loc} below {@code body}. */
    static Optional<CallingWindow> read(JsonBody body, java.util.List<Object> loc, JsonNode node) {
        return switch (CallingWindowJson.parse(node)) {
            case CallingWindowJson.Parsed.Valid valid -> requestable(body, loc, valid.window());
            case CallingWindowJson.Parsed.Invalid invalid -> {
                invalid.problems()
                        .forEach(problem -> body.violateAt(
                                java.util.stream.Stream.concat(loc.stream(), problem.loc().stream())
                                        .toList(),
                                problem.msg(),
                                problem.type()));
                yield Optional.empty();
            }
        };
    }

    /**
     * What a request may ask for beyond what a stored window may hold; stored windows are read with the parser's
     * own rules, so one saved before these checks still reads (and still claims) as it did.
     */
    private static Optional<CallingWindow> requestable(
            JsonBody body, java.util.List<Object> loc, CallingWindow window) {
        // Past 9999-12-31 PostgreSQL may not hold it (a 500 where the request earns a 422), see UnixTime.
        if (window.expiresAt()
                .filter(at -> at.getEpochSecond() > UnixTime.LATEST)
                .isPresent()) {
            body.violateAt(
                    at(loc, "expires_at_unix"),
                    "Input should be less than or equal to " + UnixTime.LATEST,
                    "less_than_equal");
            return Optional.empty();
        }
        return knownHolidays(body, loc, window);
    }

    /**
     * The window when the holiday calendar it names exists. An unknown one was taken and then gave no holidays at
     * all, with a line in the log the user never sees: a window meant to keep calls off public holidays that
     * silently does not is a compliance gap, so a calendar jollyday does not have is a 422 saying which exist.
     */
    private static Optional<CallingWindow> knownHolidays(
            JsonBody body, java.util.List<Object> loc, CallingWindow window) {
        if (!(window.holidays().orElse(null) instanceof CallingWindow.Holidays.Calendar calendar)) {
            return Optional.of(window);
        }
        if (!JollydayHolidays.knowsCountry(calendar.country())) {
            body.violateAt(
                    at(loc, "holidays", "country"),
                    "Value error, no public holiday calendar for " + calendar.country()
                            + ": give an ISO 3166-1 country with one, such as US, GB or DE, or \"auto\"",
                    "value_error");
            return Optional.empty();
        }
        var known = JollydayHolidays.subdivisions(calendar.country());
        // A country with no calendar of its subdivisions (JP, say) gives any of them its national holidays, which
        // is right; only a subdivision unknown among those the country has is a mistake worth a 422.
        if (!known.isEmpty()
                && calendar.subdivision().filter(sub -> !known.contains(sub)).isPresent()) {
            body.violateAt(
                    at(loc, "holidays", "subdivision"),
                    "Value error, no holiday calendar for "
                            + calendar.subdivision().get() + "; those of " + calendar.country() + " are "
                            + String.join(", ", known),
                    "value_error");
            return Optional.empty();
        }
        return Optional.of(window);
    }

    private static java.util.List<Object> at(java.util.List<Object> loc, String... rest) {
        return java.util.stream.Stream.concat(loc.stream(), java.util.Arrays.stream(rest))
                .toList();
    }

    /**
     * A stored default as a response shows it: without {@code jurisdiction_rules}, which is the workspace's
     * setting and copied into a batch's window only at submit.
     */
    static JsonNode shown(String storedJson) {
        var tree = CallingWindowJson.tree(storedJson);
        if (tree instanceof ObjectNode object) {
            object.remove("jurisdiction_rules");
        }
        return tree;
    }
}
