package io.batchcall.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serial;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * JSON request bodies for tests, written as keys and values instead of hand-escaped strings. Short ones in one call,
 * {@code object("name", "Support", "sip_uri", null)}; longer ones a field a line,
 * {@code object().field("name", "Support").field("tags", array("a", "b"))}, which the formatter keeps readable.
 * Keys stay in the order given. A value is null (a JSON null), a String, a Boolean, an Integer, Long, BigInteger,
 * Double or BigDecimal (which keeps its scale: {@code new BigDecimal("12.50")} is sent as {@code 12.50}), or a node
 * from {@link #object} or {@link #array}.
 *
 * <p>A body is an {@link ObjectNode}, so it nests, is sent by {@link ApiClient#post(String, JsonNode)}, and equals a
 * response's object with the same fields. It can only be valid JSON: a test that sends malformed JSON, or must send
 * exact text, keeps a raw string and says why.
 */
// ObjectNode's inherited deepCopy() narrows JsonNode's generic one, which javac reports on every subclass.
@SuppressWarnings("unchecked")
public final class Body extends ObjectNode {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Keeps a BigDecimal's scale (BodyTest pins it): 12.50 is sent as 12.50, as a hand-written body had it. */
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Body() {
        super(NODES);
    }

    /** An object of alternating keys and values. */
    public static Body object(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values come in pairs, got " + keysAndValues.length + " items");
        }
        var body = new Body();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (!(keysAndValues[i] instanceof String key)) {
                throw new IllegalArgumentException("item " + i + " should be a key (a String): " + keysAndValues[i]);
            }
            body.field(key, keysAndValues[i + 1]);
        }
        return body;
    }

    /** Adds a field; a key given twice is refused, as in a test it is almost always a typo. */
    public Body field(String key, Object value) {
        if (has(key)) {
            throw new IllegalArgumentException("key given twice: " + key);
        }
        set(key, node(value));
        return this;
    }

    public static ArrayNode array(Object... values) {
        var array = NODES.arrayNode();
        for (var value : values) {
            array.add(node(value));
        }
        return array;
    }

    private static JsonNode node(Object value) {
        return switch (value) {
            case null -> NODES.nullNode();
            case JsonNode node -> node;
            case String text -> NODES.textNode(text);
            case Boolean flag -> NODES.booleanNode(flag);
            case Integer number -> NODES.numberNode(number);
            case Long number -> NODES.numberNode(number);
            case BigInteger number -> NODES.numberNode(number);
            case Double number -> NODES.numberNode(number);
            case BigDecimal number -> NODES.numberNode(number);
            default ->
                throw new IllegalArgumentException(
                        "not a JSON value (nest with object(...) or array(...)): " + value.getClass());
        };
    }
}
