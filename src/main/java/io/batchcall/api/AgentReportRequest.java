package io.batchcall.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchcall.domain.AgentReport;
import io.batchcall.domain.CallSuccessful;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The body of an agent's report: {@code transcript} (ElevenLabs' transcript items), {@code analysis}
 * ({@code call_successful}, {@code transcript_summary}, {@code data_collection_results},
 * {@code evaluation_criteria_results}) and {@code termination_reason}, each optional. What is stored is normalised
 * to what the official SDK requires of a conversation, so that GET conversation and the webhook always parse:
 * transcript items keep {@code role}, {@code message} and {@code time_in_call_secs}; result entries get their id
 * (the key, when not given) and a {@code rationale} ({@code ""}, when not given).
 */
final class AgentReportRequest {
    static final int MAX_TRANSCRIPT_ITEMS = 5_000;
    static final int MAX_TEXT_CHARS = 20_000;
    static final int MAX_RESULTS = 200;
    static final int MAX_TERMINATION_REASON_CHARS = 500;
    private static final List<String> ROLES = List.of("user", "agent");
    private static final List<String> VERDICTS =
            Arrays.stream(CallSuccessful.values()).map(CallSuccessful::wireName).toList();

    private AgentReportRequest() {}

    static AgentReport parse(JsonBody body) {
        var transcript = body.raw("transcript").flatMap(value -> transcript(body, value));
        var analysis = body.optionalObject("analysis");
        var verdict = analysis.flatMap(a -> a.optionalEnum("call_successful", VERDICTS))
                .map(v -> CallSuccessful.fromWire(v).orElseThrow());
        var summary = analysis.flatMap(a -> a.optionalText("transcript_summary"));
        analysis.ifPresent(a -> longest(a, "transcript_summary", summary, MAX_TEXT_CHARS));
        var collected =
                analysis.flatMap(a -> results(a, "data_collection_results", "data_collection_id", Optional.empty()));
        var evaluated =
                analysis.flatMap(a -> results(a, "evaluation_criteria_results", "criteria_id", Optional.of(VERDICTS)));
        var reason = body.optionalText("termination_reason");
        longest(body, "termination_reason", reason, MAX_TERMINATION_REASON_CHARS);
        body.throwIfInvalid();
        return new AgentReport(transcript, verdict, summary, collected, evaluated, reason);
    }

    private static Optional<String> transcript(JsonBody body, JsonNode value) {
        if (!value.isArray()) {
            body.violate("transcript", "Input should be a valid list", "list_type");
            return Optional.empty();
        }
        if (value.size() > MAX_TRANSCRIPT_ITEMS) {
            body.violate(
                    "transcript",
                    "List should have at most " + MAX_TRANSCRIPT_ITEMS + " items after" + " validation, not "
                            + value.size(),
                    "too_long");
            return Optional.empty();
        }
        var items = body.optionalObjectArray("transcript").orElse(List.of());
        var stored = Json.MAPPER.createArrayNode();
        for (var item : items) {
            var role = item.optionalEnum("role", ROLES);
            if (!item.has("role") || item.raw("role").isEmpty()) {
                item.violate("role", "Field required", "missing");
            }
            var time = item.optionalInt("time_in_call_secs");
            if (item.raw("time_in_call_secs").isEmpty()) {
                item.violate("time_in_call_secs", "Field required", "missing");
            }
            item.atLeast("time_in_call_secs", time, 0);
            var message = item.optionalText("message");
            longest(item, "message", message, MAX_TEXT_CHARS);
            var node = stored.addObject();
            node.put("role", role.orElse(null));
            node.put("message", message.orElse(null));
            node.put("time_in_call_secs", time.orElse(0));
        }
        return Optional.of(stored.toString());
    }

    /**
     * A map of results keyed by id; each entry an object whose {@code idField} defaults to its key. With
     * {@code verdicts}, each entry needs a {@code result} among them (evaluation criteria).
     */
    private static Optional<String> results(
            JsonBody analysis, String field, String idField, Optional<List<String>> verdicts) {
        return analysis.optionalObject(field).map(results -> {
            var stored = Json.MAPPER.createObjectNode();
            if (results.node().size() > MAX_RESULTS) {
                analysis.violate(field, "Dictionary should have at most " + MAX_RESULTS + " items", "too_long");
                return stored.toString();
            }
            results.node().properties().forEach(entry -> {
                var name = entry.getKey();
                var entryBody = results.optionalObject(name);
                if (entryBody.isEmpty()) {
                    if (entry.getValue().isNull()) {
                        results.violate(
                                name,
                                "Input should be a valid dictionary or object to extract fields" + " from",
                                "model_attributes_type");
                    }
                    return;
                }
                var e = entryBody.get();
                var id = e.optionalText(idField).orElse(name);
                var rationale = e.optionalText("rationale").orElse("");
                longest(e, "rationale", Optional.of(rationale), MAX_TEXT_CHARS);
                ObjectNode node = stored.putObject(name);
                node.put(idField, id);
                verdicts.ifPresentOrElse(
                        allowed -> {
                            var result = e.optionalEnum("result", allowed);
                            if (e.raw("result").isEmpty()) {
                                e.violate("result", "Field required", "missing");
                            }
                            node.put("result", result.orElse(null));
                        },
                        () -> node.set("value", e.raw("value").orElse(Json.MAPPER.nullNode())));
                node.put("rationale", rationale);
            });
            return stored.toString();
        });
    }

    private static void longest(JsonBody body, String field, Optional<String> value, int maximum) {
        value.filter(v -> v.length() > maximum)
                .ifPresent(v -> body.violate(
                        field, "String should have at most " + maximum + " characters", "string_too_long"));
    }
}
