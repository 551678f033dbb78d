package io.batchcall.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.UnixTime;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads a JSON request body field by field and collects every violation with its exact {@code loc}, so that a
 * request with three mistakes gets one 422 naming all three. Messages and types follow Pydantic's, which the
 * API we are compatible with uses. Absent fields and explicit {@code null}s read alike, as empty.
 */
public final class JsonBody {
    private final JsonNode node;
    /**
     * Where this object is: its parent and its key (a field or an index) in it, made into a list only for a
     * violation. A 10,000-recipient submit reads some 30,000 nested objects, and copying each one's loc up front
     * cost more than reading them.
     */
    private final JsonBody parent;

    private final Object key;
    private final List<Violation> violations;

    private JsonBody(JsonNode node, JsonBody parent, Object key, List<Violation> violations) {
        this.node = node;
        this.parent = parent;
        this.key = key;
        this.violations = violations;
    }

    private List<Object> loc() {
        var parts = new ArrayList<Object>();
        for (var at = this; at != null; at = at.parent) {
            parts.add(at.key);
        }
        return List.copyOf(parts.reversed());
    }

    /**
     * Parses the request body, which must be a JSON object: the one reader of JSON bodies, so the one place where
     * the size and JSON limits ({@link RequestBodies}) and the text door ({@link InboundText}) apply.
     */
    public static JsonBody of(Context ctx) {
        var node = ctx.appData(RequestBodies.KEY).json(ctx);
        if (node == null) {
            throw ValidationException.of(List.of("body"), "Field required", "missing");
        }
        var unstorable = InboundText.scan(node, List.of("body"));
        if (!unstorable.isEmpty()) {
            throw new ValidationException(unstorable);
        }
        if (!node.isObject()) {
            throw ValidationException.of(
                    List.of("body"),
                    "Input should be a valid dictionary or object to extract fields from",
                    "model_attributes_type");
        }
        return new JsonBody(node, null, "body", new ArrayList<>());
    }

    public JsonNode node() {
        return node;
    }

    /** True when the field is in the body, even as {@code null}: what PATCH needs to tell "unset" from "keep". */
    public boolean has(String field) {
        return node.has(field);
    }

    public Optional<JsonNode> raw(String field) {
        var value = node.get(field);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
    }

    public String requiredText(String field) {
        var value = raw(field);
        if (value.isEmpty()) {
            violate(field, "Field required", "missing");
            return "";
        }
        return text(field, value.get()).orElse("");
    }

    public Optional<String> optionalText(String field) {
        return raw(field).flatMap(value -> text(field, value));
    }

    private Optional<String> text(String field, JsonNode value) {
        if (!value.isTextual()) {
            violate(field, "Input should be a valid string", "string_type");
            return Optional.empty();
        }
        return Optional.of(value.textValue());
    }

    /** A non-blank string: Pydantic's min_length=1 after stripping, which is what a "name" needs. */
    public String requiredNonBlankText(String field) {
        var value = requiredText(field);
        if (raw(field).filter(JsonNode::isTextual).isPresent() && value.isBlank()) {
            violate(field, "String should have at least 1 character", "string_too_short");
        }
        return value.strip();
    }

    public Optional<Integer> optionalInt(String field) {
        return raw(field).flatMap(value -> integer(field, value));
    }

    public Optional<Long> optionalLong(String field) {
        return raw(field).flatMap(value -> {
            if (value.isIntegralNumber() && value.canConvertToLong()) {
                return Optional.of(value.longValue());
            }
            if (value.isNumber()
                    && value.doubleValue() == Math.rint(value.doubleValue())
                    && Math.abs(value.doubleValue()) < 9.0e15) {
                return Optional.of((long) value.doubleValue());
            }
            violate(field, "Input should be a valid integer", "int_type");
            return Optional.empty();
        });
    }

    /** Unix seconds as a point in time, within {@link UnixTime}'s bounds (outside: a violation, and empty). */
    public Optional<Instant> optionalUnixTime(String field) {
        var seconds = optionalLong(field);
        atLeast(field, seconds, UnixTime.EARLIEST);
        atMost(field, seconds, UnixTime.LATEST);
        return seconds.filter(UnixTime::accepted).map(Instant::ofEpochSecond);
    }

    private Optional<Integer> integer(String field, JsonNode value) {
        if (value.isIntegralNumber() && value.canConvertToInt()) {
            return Optional.of(value.intValue());
        }
        if (value.isNumber()
                && value.doubleValue() == Math.rint(value.doubleValue())
                && Math.abs(value.doubleValue()) <= Integer.MAX_VALUE) {
            return Optional.of((int) value.doubleValue());
        }
        if (value.isNumber() && value.isFloatingPointNumber() && Math.abs(value.doubleValue()) <= Integer.MAX_VALUE) {
            violate(field, "Input should be a valid integer, got a number with a fractional part", "int_from_float");
        } else {
            violate(field, "Input should be a valid integer", "int_type");
        }
        return Optional.empty();
    }

    public Optional<Boolean> optionalBoolean(String field) {
        return raw(field).flatMap(value -> {
            if (!value.isBoolean()) {
                violate(field, "Input should be a valid boolean", "bool_type");
                return Optional.empty();
            }
            return Optional.of(value.booleanValue());
        });
    }

    /** A number read exactly (no binary rounding), as Pydantic's {@code Decimal}. */
    public Optional<BigDecimal> optionalDecimal(String field) {
        return raw(field).flatMap(value -> {
            if (!value.isNumber()) {
                violate(field, "Input should be a valid number", "float_type");
                return Optional.empty();
            }
            return Optional.of(value.decimalValue());
        });
    }

    /** One of a fixed set of strings, as a Pydantic enum: {@code Input should be 'a', 'b' or 'c'}. */
    public Optional<String> optionalEnum(String field, List<String> allowed) {
        return optionalText(field).flatMap(value -> {
            if (!allowed.contains(value)) {
                violate(field, "Input should be " + oneOf(allowed), "enum");
                return Optional.empty();
            }
            return Optional.of(value);
        });
    }

    /** A list of strings; each element that is not one is reported at its index. */
    public Optional<List<String>> optionalTextList(String field) {
        return raw(field).flatMap(value -> {
            if (!value.isArray()) {
                violate(field, "Input should be a valid list", "list_type");
                return Optional.empty();
            }
            var texts = new ArrayList<String>(value.size());
            for (int i = 0; i < value.size(); i++) {
                if (value.get(i).isTextual()) {
                    texts.add(value.get(i).textValue());
                } else {
                    violateAt(List.of(field, i), "Input should be a valid string", "string_type");
                }
            }
            return Optional.of(texts);
        });
    }

    /** An object of string values (SIP headers, say); each value that is not a string is reported at its key. */
    public Optional<Map<String, String>> optionalTextMap(String field) {
        return raw(field).flatMap(value -> {
            if (!value.isObject()) {
                violate(field, "Input should be a valid dictionary", "dict_type");
                return Optional.empty();
            }
            var texts = new LinkedHashMap<String, String>();
            value.properties().forEach(entry -> {
                if (entry.getValue().isTextual()) {
                    texts.put(entry.getKey(), entry.getValue().textValue());
                } else {
                    violateAt(List.of(field, entry.getKey()), "Input should be a valid string", "string_type");
                }
            });
            return Optional.of(texts);
        });
    }

    /** Pydantic's way of listing choices: {@code 'a', 'b' or 'c'}. */
    static String oneOf(List<String> allowed) {
        var quoted = allowed.stream().map(a -> "'" + a + "'").toList();
        return quoted.size() == 1
                ? quoted.getFirst()
                : quoted.subList(0, quoted.size() - 1).stream().collect(Collectors.joining(", ")) + " or "
                        + quoted.getLast();
    }

    /** Checks an integer against a lower bound, as Pydantic's {@code ge}. */
    public void atLeast(String field, Optional<? extends Number> value, long minimum) {
        value.filter(v -> v.longValue() < minimum)
                .ifPresent(v ->
                        violate(field, "Input should be greater than or equal to " + minimum, "greater_than_equal"));
    }

    /** Checks an integer against an upper bound, as Pydantic's {@code le}. */
    public void atMost(String field, Optional<? extends Number> value, long maximum) {
        value.filter(v -> v.longValue() > maximum)
                .ifPresent(v -> violate(field, "Input should be less than or equal to " + maximum, "less_than_equal"));
    }

    /** The nested object in {@code field}, read with its own loc; empty when absent or null. */
    public Optional<JsonBody> optionalObject(String field) {
        return raw(field).flatMap(value -> {
            if (!value.isObject()) {
                violate(
                        field,
                        "Input should be a valid dictionary or object to extract fields from",
                        "model_attributes_type");
                return Optional.empty();
            }
            return Optional.of(new JsonBody(value, this, field, violations));
        });
    }

    /** The elements of the array in {@code field}, each an object read with its index in the loc. */
    public Optional<List<JsonBody>> optionalObjectArray(String field) {
        return raw(field).flatMap(value -> {
            if (!value.isArray()) {
                violate(field, "Input should be a valid list", "list_type");
                return Optional.empty();
            }
            var elements = new ArrayList<JsonBody>(value.size());
            var array = new JsonBody(value, this, field, violations);
            for (int i = 0; i < value.size(); i++) {
                var element = value.get(i);
                if (!element.isObject()) {
                    violations.add(new Violation(
                            new JsonBody(element, array, i, violations).loc(),
                            "Input should be a valid dictionary or object to extract fields from",
                            "model_attributes_type"));
                } else {
                    elements.add(new JsonBody(element, array, i, violations));
                }
            }
            return Optional.of(elements);
        });
    }

    /** Records a violation of {@code field} of this object. */
    public void violate(String field, String msg, String type) {
        violations.add(new Violation(append(field), msg, type));
    }

    /** Records a violation at a loc relative to this object (a field, then indexes or further fields). */
    public void violateAt(List<Object> relativeLoc, String msg, String type) {
        violations.add(new Violation(
                Stream.concat(loc().stream(), relativeLoc.stream()).toList(), msg, type));
    }

    public boolean valid() {
        return violations.isEmpty();
    }

    /** Throws the 422 with every violation recorded so far, by this reader and its nested readers. */
    public void throwIfInvalid() {
        if (!violations.isEmpty()) {
            throw new ValidationException(violations);
        }
    }

    private List<Object> append(String field) {
        return Stream.concat(loc().stream(), Stream.of((Object) field)).toList();
    }
}
