package io.batchcall.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The door for text: whatever enters by query, path, the headers we read, or a JSON body (values and keys, at any
 * depth) must be text PostgreSQL can store. A {@code text} column refuses U+0000 and a {@code jsonb} cast refuses
 * {@code \u0000}; an unpaired UTF-16 surrogate is not Unicode at all (the driver would write it as {@code ?}, a
 * {@code jsonb} cast of its escape fails). Refusing them here, with a 422 naming the field, is what keeps one
 * tenant's byte from failing a later write that other tenants' calls share (the call-event writer, say).
 */
final class InboundText {
    /** Enough to show a client its mistakes; a hostile body with a million bad strings gets this many. */
    static final int MAX_REPORTED = 50;
    /**
     * Decimal exponents PostgreSQL's {@code numeric} (and so {@code jsonb}) reads on every version we support;
     * beyond this a number is refused at the door rather than failing the cast to {@code jsonb} later.
     */
    static final int MAX_DECIMAL_EXPONENT = 1_000;
    /** The only header we read as text that reaches the database. */
    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private InboundText() {}

    /** Checks query, path and header text of every request that matched a route, before its handler runs. */
    static void register(RoutesConfig routes) {
        routes.beforeMatched(InboundText::check);
    }

    private static void check(Context ctx) {
        var violations = new ArrayList<Violation>();
        java.util.Map<String, List<String>> query;
        try {
            query = ctx.queryParamMap();
        } catch (IllegalArgumentException e) {
            // URLDecoder's answer to "%zz" or a lone "%": the client sent a query that is not percent-encoding.
            throw ValidationException.of(
                    List.of("query"), "Value error, the query string is not valid percent-encoding", "value_error");
        }
        query.forEach((name, values) -> {
            problem(name).ifPresent(p -> violations.add(p.at(List.of("query", printable(name)))));
            values.forEach(value ->
                    problem(value).ifPresent(p -> violations.add(p.at(List.of("query", printable(name))))));
        });
        ctx.pathParamMap()
                .forEach((name, value) -> problem(value).ifPresent(p -> violations.add(p.at(List.of("path", name)))));
        Optional.ofNullable(ctx.header(IDEMPOTENCY_KEY))
                .flatMap(InboundText::problem)
                .ifPresent(p ->
                        violations.add(p.at(List.of("header", IDEMPOTENCY_KEY.toLowerCase(java.util.Locale.ROOT)))));
        if (!violations.isEmpty()) {
            throw new ValidationException(violations.subList(0, Math.min(violations.size(), MAX_REPORTED)));
        }
    }

    /** Every string (value or key) and number in the tree PostgreSQL could not store, each at its loc. */
    static List<Violation> scan(JsonNode node, List<Object> loc) {
        var violations = new ArrayList<Violation>();
        scan(node, new Loc(null, loc, null), violations);
        return violations;
    }

    /**
     * Where a node is, as a link to its parent's: made into a list only for a violation. A 10,000-recipient submit
     * has some 60,000 nodes, and copying the loc for each was a tenth of the submit's time.
     */
    private record Loc(Loc parent, List<Object> root, Object element) {
        Loc child(Object next) {
            return new Loc(this, null, next);
        }

        List<Object> toList() {
            var parts = new ArrayList<Object>();
            var at = this;
            while (at.root() == null) {
                parts.add(at.element());
                at = at.parent();
            }
            parts.addAll(at.root().reversed());
            return List.copyOf(parts.reversed());
        }
    }

    private static void scan(JsonNode node, Loc loc, List<Violation> violations) {
        if (violations.size() >= MAX_REPORTED) {
            return;
        }
        if (node.isTextual()) {
            problem(node.textValue()).ifPresent(p -> violations.add(p.at(loc.toList())));
        } else if (node.isNumber()) {
            if (!storableNumber(node)) {
                violations.add(new Violation(
                        loc.toList(),
                        "Input should be a number with a decimal exponent between -" + MAX_DECIMAL_EXPONENT + " and "
                                + MAX_DECIMAL_EXPONENT,
                        "number_too_large"));
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                scan(node.get(i), loc.child(i), violations);
            }
        } else if (node.isObject()) {
            for (var entry : node.properties()) {
                var key = entry.getKey();
                var keyProblem = problem(key);
                // The key as shown back: computed only when something at or under it is refused.
                var keyLoc = loc.child(keyProblem.isPresent() ? printable(key) : key);
                keyProblem.ifPresent(p -> violations.add(p.at(keyLoc.toList())));
                scan(entry.getValue(), keyLoc, violations);
            }
        }
    }

    private static boolean storableNumber(JsonNode node) {
        if (!node.isBigDecimal()) {
            // Integers are bounded by the number length limit, and floats are read as BigDecimal.
            return true;
        }
        BigDecimal value = node.decimalValue();
        long digitsBeforePoint = (long) value.precision() - value.scale();
        return digitsBeforePoint <= MAX_DECIMAL_EXPONENT && value.scale() <= MAX_DECIMAL_EXPONENT;
    }

    /** What is wrong with a text, if anything. */
    static Optional<Problem> problem(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                return Optional.of(Problem.NUL);
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return Optional.of(Problem.UNPAIRED_SURROGATE);
            }
        }
        return Optional.empty();
    }

    /**
     * A key as it can be shown back in a loc: a key is refused for the same characters as a value, and echoing
     * them would put the same bytes in our own response (an unpaired surrogate cannot even be written as UTF-8).
     */
    private static String printable(String key) {
        if (problem(key).isEmpty()) {
            return key;
        }
        var shown = new StringBuilder(key.length());
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                shown.append(c).append(key.charAt(++i));
            } else {
                shown.append(c == '\u0000' || Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return shown.toString();
    }

    /** The two kinds of text PostgreSQL refuses, with Pydantic-style messages. */
    enum Problem {
        NUL("String should not contain the NUL character (U+0000)", "string_nul"),
        UNPAIRED_SURROGATE(
                "Input should be a valid string, unable to parse raw data as a unicode string:"
                        + " it holds an unpaired UTF-16 surrogate",
                "string_unicode");

        private final String msg;
        private final String type;

        Problem(String msg, String type) {
            this.msg = msg;
            this.type = type;
        }

        Violation at(List<Object> loc) {
            return new Violation(loc, msg, type);
        }
    }
}
