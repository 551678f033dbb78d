package io.batchcall.store;

import io.batchcall.domain.ConversationStatus;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.ConversationStore.Filter;
import io.batchcall.store.ConversationStore.Named;
import io.batchcall.store.ConversationStore.ValueCondition;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/**
 * The conversation list: a {@link Filter} turned into one statement holding only the conditions it sets, then
 * bound. Kept apart from {@link ConversationStore}'s single-conversation reads and writes because this SQL is
 * assembled per request rather than written out once.
 */
final class ConversationListing {
    /** V160 keeps rows for variable names and values up to this many bytes of UTF-8 (octet_length there). */
    private static final int LONGEST_VARIABLE_BYTES = 400;

    private final Jdbi jdbi;

    ConversationListing(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * One page of the workspace's conversations, ordered by start time (then id) either way. Only the conditions
     * a filter sets are in the statement: a constant {@code :x IS NULL OR ...} would let a generic plan pick one
     * index for every combination, while these stay plain range conditions each index of V120 serves.
     */
    Page<Named> list(WorkspaceId workspace, Filter filter, Optional<Keyset> after, int limit) {
        var rows = jdbi.withHandle(handle -> statement(handle, "", workspace, filter, after, limit)
                .map(ConversationRows::named)
                .list());
        return Page.of(
                rows,
                limit,
                row -> new Keyset(
                        row.conversation().startTime(), row.conversation().id()));
    }

    /**
     * The plan PostgreSQL makes for that page's statement, as {@code EXPLAIN} prints it: which index serves a
     * filter is part of what the list promises (tests check it; so can whoever studies a slow list).
     */
    List<String> plan(WorkspaceId workspace, Filter filter, Optional<Keyset> after, int limit) {
        return jdbi.withHandle(handle -> statement(handle, "EXPLAIN ", workspace, filter, after, limit)
                .mapTo(String.class)
                .list());
    }

    private static Query statement(
            Handle handle, String prefix, WorkspaceId workspace, Filter filter, Optional<Keyset> after, int limit) {
        var where = new StringBuilder(" WHERE c.workspace_id = :workspaceId");
        filter.agentId().ifPresent(x -> where.append(" AND c.agent_id = :agentId"));
        if (!filter.agentIds().isEmpty()) {
            where.append(" AND c.agent_id = ANY(:agentIds)");
        }
        filter.batchId().ifPresent(x -> where.append(" AND c.batch_id = :batchId"));
        filter.branchId().ifPresent(x -> where.append(" AND c.branch_id = :branchId"));
        if (!filter.branchIds().isEmpty()) {
            where.append(" AND c.branch_id = ANY(:branchIds)");
        }
        filter.callSuccessful().ifPresent(x -> where.append(" AND c.call_successful = :callSuccessful"));
        filter.startAfter().ifPresent(x -> where.append(" AND c.start_time >= :startAfter"));
        filter.startBefore().ifPresent(x -> where.append(" AND c.start_time < :startBefore"));
        filter.minDuration().ifPresent(x -> where.append(" AND c.call_duration_secs >= :minDuration"));
        filter.maxDuration().ifPresent(x -> where.append(" AND c.call_duration_secs <= :maxDuration"));
        filter.userId().ifPresent(x -> where.append(" AND c.client_data ->> 'user_id' = :userId"));
        if (!filter.excludedStatuses().isEmpty()) {
            where.append(" AND c.status <> ALL(:excludedStatuses)");
        }
        // One reason as '=': the index then yields the page in order; '= ANY' would make the planner fetch every
        // match and sort it.
        if (filter.terminationReasons().size() == 1) {
            where.append(" AND c.termination_reason = :terminationReason");
        } else if (!filter.terminationReasons().isEmpty()) {
            where.append(" AND c.termination_reason = ANY(:terminationReasons)");
        }
        if (!filter.phoneCallTypes().isEmpty()) {
            where.append(" AND c.phone_call ->> 'type' = ANY(:phoneCallTypes)");
        }
        for (int i = 0; i < filter.valueConditions().size(); i++) {
            where.append(sql(filter.valueConditions().get(i), i));
        }
        // The first dynamic variable condition V160's rows can answer drives the page: for eq its rows are in the
        // list's order under the name and value, so a page reads as many of them as it shows; for in, the matches
        // of each value are read and sorted. Its exact test above stays.
        var join = "";
        var joined = firstJoinable(filter);
        if (joined >= 0) {
            join = " JOIN conversation_variables v ON v.workspace_id = c.workspace_id AND v.conversation_id = c.id"
                    + " AND v.start_time = c.start_time";
            where.append(" AND v.workspace_id = :workspaceId AND v.name = :vk" + joined);
            where.append(
                    filter.valueConditions().get(joined).operator() == ValueCondition.Operator.IN
                            ? " AND v.value = ANY(:vs" + joined + ")"
                            : " AND v.value = :vv" + joined);
        }
        var direction = filter.oldestFirst() ? "ASC" : "DESC";
        var keyset = filter.oldestFirst() ? " > (:afterAt, :afterId)" : " < (:afterAt, :afterId)";
        after.ifPresent(x -> where.append(" AND (c.start_time, c.id)" + keyset));
        // The same bound on the joined rows, so that a later page starts in their key where the last one ended.
        after.filter(x -> joined >= 0).ifPresent(x -> where.append(" AND (v.start_time, v.conversation_id)" + keyset));
        var sql = prefix + ConversationRows.LISTED + join + where + " ORDER BY c.start_time " + direction + ", c.id "
                + direction + " LIMIT :limit";
        var query =
                handle.createQuery(sql).bind("workspaceId", workspace.value()).bind("limit", limit + 1);
        filter.agentId().ifPresent(x -> query.bind("agentId", x));
        if (!filter.agentIds().isEmpty()) {
            query.bindArray("agentIds", String.class, filter.agentIds());
        }
        filter.batchId().ifPresent(x -> query.bind("batchId", x));
        filter.branchId().ifPresent(x -> query.bind("branchId", x));
        if (!filter.branchIds().isEmpty()) {
            query.bindArray("branchIds", String.class, filter.branchIds());
        }
        filter.callSuccessful().ifPresent(x -> query.bind("callSuccessful", x.wireName()));
        filter.startAfter().ifPresent(x -> query.bind("startAfter", Rows.at(x)));
        filter.startBefore().ifPresent(x -> query.bind("startBefore", Rows.at(x)));
        filter.minDuration().ifPresent(x -> query.bind("minDuration", x));
        filter.maxDuration().ifPresent(x -> query.bind("maxDuration", x));
        filter.userId().ifPresent(x -> query.bind("userId", x));
        if (!filter.excludedStatuses().isEmpty()) {
            query.bindArray(
                    "excludedStatuses",
                    String.class,
                    filter.excludedStatuses().stream()
                            .map(ConversationStatus::wireName)
                            .sorted()
                            .toList());
        }
        if (filter.terminationReasons().size() == 1) {
            query.bind("terminationReason", filter.terminationReasons().getFirst());
        } else if (!filter.terminationReasons().isEmpty()) {
            query.bindArray("terminationReasons", String.class, filter.terminationReasons());
        }
        if (!filter.phoneCallTypes().isEmpty()) {
            query.bindArray("phoneCallTypes", String.class, filter.phoneCallTypes());
        }
        for (int i = 0; i < filter.valueConditions().size(); i++) {
            bind(query, filter.valueConditions().get(i), i);
        }
        after.ifPresent(x -> query.bind("afterAt", Rows.at(x.at())).bind("afterId", x.id()));
        return query;
    }

    /** The condition as SQL, its parameters named after {@code index}; bound by {@link #bind}. */
    private static String sql(ValueCondition condition, int index) {
        var values = condition.values();
        var value = switch (condition.field()) {
            case EVALUATION -> "(c.evaluation_criteria_results -> :vk" + index + " -> 'result')";
            case DATA_COLLECTION -> "(c.data_collection_results -> :vk" + index + " -> 'value')";
            case DYNAMIC_VARIABLE -> "(c.client_data -> 'dynamic_variables' -> :vk" + index + ")";
        };
        var text = "(" + value + " #>> '{}')";
        var number = "(CASE WHEN jsonb_typeof(" + value + ") = 'number' THEN " + text + "::numeric"
                + " WHEN jsonb_typeof(" + value + ") = 'string' AND " + text + " ~ '^-?[0-9]+(\\.[0-9]+)?$'"
                + " THEN " + text + "::numeric END)";
        var unset = values.isEmpty() || values.getFirst().isEmpty();
        return " AND "
                + switch (condition.operator()) {
                    case EQ -> unset ? text + " IS NULL" : text + " = :vv" + index;
                    case NEQ -> unset ? text + " IS NOT NULL" : text + " IS DISTINCT FROM :vv" + index;
                    case IN -> text + " = ANY(:vs" + index + ")";
                    case GT -> number + " > :vn" + index;
                    case GTE -> number + " >= :vn" + index;
                    case LT -> number + " < :vn" + index;
                    case LTE -> number + " <= :vn" + index;
                };
    }

    private static int firstJoinable(Filter filter) {
        for (int i = 0; i < filter.valueConditions().size(); i++) {
            if (joinable(filter.valueConditions().get(i))) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Whether V160's table can find this condition's matches: a dynamic variable's eq (with a value) or in, on a
     * name and values short enough to have rows there. The first such condition of a filter joins it.
     */
    private static boolean joinable(ValueCondition condition) {
        var values = condition.values();
        var unset = values.isEmpty() || values.getFirst().isEmpty();
        return condition.field() == ValueCondition.Field.DYNAMIC_VARIABLE
                && (condition.operator() == ValueCondition.Operator.IN
                        || (condition.operator() == ValueCondition.Operator.EQ && !unset))
                && utf8Bytes(condition.key()) <= LONGEST_VARIABLE_BYTES
                && values.stream().allMatch(value -> utf8Bytes(value) <= LONGEST_VARIABLE_BYTES);
    }

    private static int utf8Bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    private static void bind(Query query, ValueCondition condition, int index) {
        var values = condition.values();
        query.bind("vk" + index, condition.key());
        var unset = values.isEmpty() || values.getFirst().isEmpty();
        switch (condition.operator()) {
            case EQ, NEQ -> {
                if (!unset) {
                    query.bind("vv" + index, values.getFirst());
                }
            }
            case IN -> query.bindArray("vs" + index, String.class, values);
            case GT, GTE, LT, LTE -> query.bind("vn" + index, new BigDecimal(values.getFirst()));
        }
    }
}
