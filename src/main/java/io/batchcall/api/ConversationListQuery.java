package io.batchcall.api;

import io.batchcall.domain.CallSuccessful;
import io.batchcall.domain.ConversationStatus;
import io.batchcall.store.ConversationStore;
import io.batchcall.store.ConversationStore.ValueCondition;
import io.batchcall.wire.ConversationWire;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The query of GET /v1/convai/conversations, read with every violation collected: ElevenLabs' filters as our
 * store's {@link ConversationStore.Filter}, a 422 for each filter batchcall cannot honour; {@code matchesNothing}
 * for a valid value no batchcall conversation can have.
 */
record ConversationListQuery(
        ConversationStore.Filter filter,
        boolean matchesNothing,
        boolean includeSummary,
        List<String> dataCollectionIds,
        List<String> evaluationCriteriaIds) {
    private static final int MAX_LIST_VALUES = 50;

    /** ElevenLabs' filters over data batchcall does not record, each with what is missing. */
    static final Map<String, String> REFUSED = refused();

    static ConversationListQuery read(Context ctx, List<Violation> violations) {
        REFUSED.forEach((name, why) -> {
            if (!values(ctx, name).isEmpty()) {
                violations.add(new Violation(
                        List.of("query", name),
                        "Value error, batchcall cannot honour " + name + ": " + why,
                        "unsupported_filter"));
            }
        });
        var nothing = false;
        var success = oneOf(ctx, "call_successful", List.of("success", "failure", "unknown", "error"), violations);
        // Our success evaluations are never 'error': asking for it is a valid filter no conversation matches.
        nothing |= success.filter("error"::equals).isPresent();
        var source = oneOf(ctx, "conversation_initiation_source", INITIATION_SOURCES, violations);
        var callTypes = source.map(ConversationWire::phoneCallTypes).orElse(List.of());
        nothing |= source.isPresent() && callTypes.isEmpty();
        // Every batchcall conversation is a voice call of an agent.
        nothing |= bool(ctx, "text_only", violations).orElse(false);
        nothing |= oneOf(ctx, "conversation_product_type", List.of("agents", "speech_engine"), violations)
                .filter("speech_engine"::equals)
                .isPresent();
        bool(ctx, "include_invalid_tool_calls", violations);
        var summary = oneOf(ctx, "summary_mode", List.of("exclude", "include"), violations);
        var sort = oneOf(ctx, "sort_direction", List.of("asc", "desc"), violations);
        var statuses = new HashSet<ConversationStatus>();
        var statusNames = Arrays.stream(ConversationStatus.values())
                .map(ConversationStatus::wireName)
                .toList();
        var excluded = values(ctx, "exclude_statuses");
        for (int i = 0; i < excluded.size(); i++) {
            var status = ConversationStatus.fromWire(excluded.get(i));
            if (status.isEmpty()) {
                violations.add(
                        new Violation(List.of("query", "exclude_statuses", i), enumMessage(statusNames), "enum"));
            }
            status.ifPresent(statuses::add);
        }
        var after = integer(ctx, "call_start_after_unix", violations);
        var before = integer(ctx, "call_start_before_unix", violations);
        var filter = new ConversationStore.Filter(
                PageQuery.filter(ctx, "agent_id"),
                list(ctx, "visited_agent_ids", violations),
                PageQuery.filter(ctx, "batch_call_id"),
                PageQuery.filter(ctx, "branch_id"),
                list(ctx, "visited_agent_branch_ids", violations),
                success.flatMap(CallSuccessful::fromWire),
                after.map(Instant::ofEpochSecond),
                before.map(Instant::ofEpochSecond),
                duration(ctx, "call_duration_min_secs", violations),
                duration(ctx, "call_duration_max_secs", violations),
                PageQuery.filter(ctx, "user_id"),
                statuses,
                values(ctx, "termination_reasons"),
                callTypes,
                valueConditions(ctx, violations),
                sort.filter("asc"::equals).isPresent());
        return new ConversationListQuery(
                filter,
                nothing,
                summary.filter("include"::equals).isPresent(),
                values(ctx, "data_collection_ids"),
                values(ctx, "evaluation_criteria_ids"));
    }

    /**
     * {@code evaluation_params} ({@code criteria_id:result}), {@code data_collection_params} and {@code
     * dynamic_variable_params} ({@code id:op:value}, op eq|neq|gt|gte|lt|lte|in, and exists|missing for data
     * collection), as the SDK documents them.
     */
    private static List<ValueCondition> valueConditions(Context ctx, List<Violation> violations) {
        var conditions = new ArrayList<ValueCondition>();
        var evaluations = values(ctx, "evaluation_params");
        for (int i = 0; i < evaluations.size(); i++) {
            var text = evaluations.get(i);
            int colon = text.lastIndexOf(':');
            var result = colon < 0 ? "" : text.substring(colon + 1);
            if (colon < 1 || CallSuccessful.fromWire(result).isEmpty()) {
                violations.add(new Violation(
                        List.of("query", "evaluation_params", i),
                        "Value error, expected" + " criteria_id:result with result success, failure or unknown",
                        "value_error"));
            } else {
                conditions.add(new ValueCondition(
                        ValueCondition.Field.EVALUATION,
                        text.substring(0, colon),
                        ValueCondition.Operator.EQ,
                        List.of(result)));
            }
        }
        conditions.addAll(operations(ctx, "data_collection_params", ValueCondition.Field.DATA_COLLECTION, violations));
        conditions.addAll(
                operations(ctx, "dynamic_variable_params", ValueCondition.Field.DYNAMIC_VARIABLE, violations));
        return conditions;
    }

    private static List<ValueCondition> operations(
            Context ctx, String name, ValueCondition.Field field, List<Violation> violations) {
        var conditions = new ArrayList<ValueCondition>();
        var texts = values(ctx, name);
        for (int i = 0; i < texts.size(); i++) {
            var parts = texts.get(i).split(":", 3);
            var op = parts.length >= 2 ? parts[1] : "";
            var value = parts.length == 3 ? parts[2] : "";
            var operator = switch (op) {
                case "eq", "missing" -> Optional.of(ValueCondition.Operator.EQ);
                case "neq", "exists" -> Optional.of(ValueCondition.Operator.NEQ);
                case "gt" -> Optional.of(ValueCondition.Operator.GT);
                case "gte" -> Optional.of(ValueCondition.Operator.GTE);
                case "lt" -> Optional.of(ValueCondition.Operator.LT);
                case "lte" -> Optional.of(ValueCondition.Operator.LTE);
                case "in" -> Optional.of(ValueCondition.Operator.IN);
                default -> Optional.<ValueCondition.Operator>empty();
            };
            var numeric = operator.filter(java.util.EnumSet.of(
                            ValueCondition.Operator.GT,
                            ValueCondition.Operator.GTE,
                            ValueCondition.Operator.LT,
                            ValueCondition.Operator.LTE)::contains)
                    .isPresent();
            if (parts.length < 2
                    || parts[0].isEmpty()
                    || operator.isEmpty()
                    || (field == ValueCondition.Field.DYNAMIC_VARIABLE
                            && List.of("exists", "missing").contains(op))) {
                violations.add(new Violation(
                        List.of("query", name, i),
                        "Value error, expected id:op:value with" + " op eq, neq, gt, gte, lt, lte or in",
                        "value_error"));
            } else if (numeric && !value.matches("-?[0-9]+(\\.[0-9]+)?")) {
                violations.add(new Violation(
                        List.of("query", name, i), "Value error, " + op + " needs a numeric value", "value_error"));
            } else {
                var values = op.equals("exists") || op.equals("missing")
                        ? List.of("")
                        : operator.get() == ValueCondition.Operator.IN
                                ? List.of(value.split("\\|", -1))
                                : List.of(value);
                conditions.add(new ValueCondition(field, parts[0], operator.get(), values));
            }
        }
        return conditions;
    }

    /** A repeated parameter's values ({@code a=1&a=2}), blanks dropped. */
    private static List<String> values(Context ctx, String name) {
        return ctx.queryParams(name).stream()
                .map(String::strip)
                .filter(v -> !v.isEmpty())
                .toList();
    }

    private static List<String> list(Context ctx, String name, List<Violation> violations) {
        var values = values(ctx, name);
        if (values.size() > MAX_LIST_VALUES) {
            violations.add(new Violation(
                    List.of("query", name),
                    "List should have at most " + MAX_LIST_VALUES + " items after validation, not " + values.size(),
                    "too_long"));
        }
        return values;
    }

    private static Optional<String> oneOf(Context ctx, String name, List<String> allowed, List<Violation> violations) {
        var value = PageQuery.filter(ctx, name);
        if (value.isPresent() && !allowed.contains(value.get())) {
            violations.add(new Violation(List.of("query", name), enumMessage(allowed), "enum"));
            return Optional.empty();
        }
        return value;
    }

    private static Optional<Boolean> bool(Context ctx, String name, List<Violation> violations) {
        var value = PageQuery.filter(ctx, name).map(v -> v.toLowerCase(java.util.Locale.ROOT));
        if (value.isEmpty()) {
            return Optional.empty();
        }
        // FastAPI's (pydantic's) accepted spellings.
        if (List.of("true", "1", "yes", "on", "t", "y").contains(value.get())) {
            return Optional.of(true);
        }
        if (List.of("false", "0", "no", "off", "f", "n").contains(value.get())) {
            return Optional.of(false);
        }
        violations.add(new Violation(
                List.of("query", name), "Input should be a valid boolean, unable to interpret input", "bool_parsing"));
        return Optional.empty();
    }

    /** The largest magnitude of an integer filter: unix seconds into the year 5138, or durations as long. */
    private static final long BOUND = 100_000_000_000L;

    private static Optional<Long> integer(Context ctx, String name, List<Violation> violations) {
        var value = PageQuery.filter(ctx, name);
        try {
            var parsed = value.map(Long::parseLong);
            // Bounds outside what a timestamp or duration can be would overflow the query, not narrow it. Not
            // Math.abs: the absolute value of Long.MIN_VALUE is itself, negative, and passed.
            if (parsed.filter(v -> v > BOUND).isPresent()) {
                violations.add(new Violation(
                        List.of("query", name), "Input should be less than or equal to " + BOUND, "less_than_equal"));
                return Optional.empty();
            }
            if (parsed.filter(v -> v < -BOUND).isPresent()) {
                violations.add(new Violation(
                        List.of("query", name),
                        "Input should be greater than or equal to " + -BOUND,
                        "greater_than_equal"));
                return Optional.empty();
            }
            return parsed;
        } catch (NumberFormatException e) {
            violations.add(new Violation(
                    List.of("query", name),
                    "Input should be a valid integer, unable to parse string as an integer",
                    "int_parsing"));
            return Optional.empty();
        }
    }

    /** A duration bound; past the longest duration a column can hold it would overflow, not narrow. */
    private static Optional<Integer> duration(Context ctx, String name, List<Violation> violations) {
        var value = integer(ctx, name, violations);
        if (value.filter(v -> Math.abs(v) > Integer.MAX_VALUE).isPresent()) {
            violations.add(new Violation(
                    List.of("query", name),
                    "Input should be less than or equal to " + Integer.MAX_VALUE,
                    "less_than_equal"));
            return Optional.empty();
        }
        return value.map(Math::toIntExact);
    }

    private static String enumMessage(List<String> allowed) {
        var quoted = allowed.stream().map(v -> "'" + v + "'").toList();
        return "Input should be " + String.join(", ", quoted.subList(0, quoted.size() - 1)) + " or " + quoted.getLast();
    }

    /** ElevenLabs' ConversationInitiationSource values. */
    private static final List<String> INITIATION_SOURCES = List.of(
            "unknown",
            "android_sdk",
            "node_js_sdk",
            "react_native_sdk",
            "react_sdk",
            "js_sdk",
            "python_sdk",
            "widget",
            "sip_trunk",
            "twilio",
            "exotel",
            "genesys",
            "avaya",
            "audiocodes",
            "swift_sdk",
            "whatsapp",
            "twilio_sms",
            "flutter_sdk",
            "zendesk_integration",
            "slack_integration",
            "telegram_integration",
            "intercom_integration",
            "freshdesk_integration",
            "salesforce_integration",
            "template_preview",
            "genesys_bot_connector",
            "subagent_tool");

    private static Map<String, String> refused() {
        var refused = new LinkedHashMap<String, String>();
        refused.put("triggered_procedure_ids", "agents here trigger no procedures");
        refused.put("rating_min", "no user ratings are recorded");
        refused.put("rating_max", "no user ratings are recorded");
        refused.put("has_feedback_comment", "no user feedback is recorded");
        refused.put("tool_names", "tool calls are not recorded");
        refused.put("tool_names_successful", "tool calls are not recorded");
        refused.put("tool_names_errored", "tool calls are not recorded");
        refused.put("main_languages", "the language of a call is not detected");
        refused.put("search", "transcripts are not indexed for search");
        refused.put("version_id", "conversations do not record an agent version");
        refused.put("parent_conversation_id", "there are no subagent conversations");
        refused.put("topic_ids", "there is no topic discovery");
        refused.put("tag_ids", "there are no conversation tags");
        refused.put("workflow_node_entered_id", "agent workflows are not recorded");
        refused.put("guardrail_types", "guardrails are not recorded");
        refused.put("custom_guardrail_names", "guardrails are not recorded");
        return Collections.unmodifiableMap(refused);
    }
}
