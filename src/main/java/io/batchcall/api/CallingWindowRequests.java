package io.batchcall.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchcall.domain.CallingWindow;
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
            case CallingWindowJson.Parsed.Valid valid -> Optional.of(valid.window());
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
