package io.batchcall.store;

import io.batchcall.domain.AgentReport;
import io.batchcall.domain.CallResult;
import io.batchcall.domain.CallSuccessful;
import io.batchcall.domain.Conversation;
import io.batchcall.domain.ConversationRef;
import io.batchcall.domain.ConversationStatus;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewConversation;
import io.batchcall.domain.PhoneCall;
import io.batchcall.domain.WorkspaceId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** Conversations: written by the dispatcher as calls happen, read by the API. */
public final class ConversationStore {
    private static final String COLUMNS = """
            c.workspace_id, c.id, c.agent_id, c.batch_id, c.recipient_id, c.phone_number_id, c.status,
            c.call_successful, c.start_time, c.call_duration_secs, c.termination_reason,
            c.phone_call ->> 'direction' AS direction, c.phone_call ->> 'agent_number' AS agent_number,
            c.phone_call ->> 'external_number' AS external_number, c.phone_call ->> 'type' AS call_type,
            c.phone_call ->> 'call_sid' AS call_sid, c.phone_call ->> 'stream_sid' AS stream_sid,
            c.client_data::text AS client_data, c.transcript::text AS transcript,
            jsonb_array_length(c.transcript) AS message_count, c.call_result, c.transcript_summary,
            c.data_collection_results::text AS data_collection_results,
            c.evaluation_criteria_results::text AS evaluation_criteria_results, c.branch_id,
            c.recording_sid IS NOT NULL AS has_audio, c.attempt_number
            """;
    /** The conversation with its agent's name, joined to {@code c}. */
    static final String NAMED = "SELECT " + COLUMNS + """
            , a.name AS agent_name
             FROM conversations c
             LEFT JOIN agents a ON a.workspace_id = c.workspace_id AND a.id = c.agent_id
            """;

    /**
     * As {@link #NAMED}, for the list: without the transcript and client data, which no list item shows. A
     * transcript can be tens of kilobytes, and a page read, converted to text and sent up to 100 of them.
     */
    private static final String LISTED = without(
            NAMED,
            "c.client_data::text AS client_data, c.transcript::text AS transcript",
            "NULL::text AS client_data, '[]' AS transcript");

    private static String without(String sql, String columns, String placeholders) {
        if (!sql.contains(columns)) {
            throw new IllegalStateException("the conversation columns changed: " + columns + " is not in them");
        }
        return sql.replace(columns, placeholders);
    }

    private final Jdbi jdbi;
    private final Clock clock;
    private final IdSource ids;
    private final Outbox outbox;

    public ConversationStore(Database database, Clock clock, IdSource ids) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.ids = ids;
        this.outbox = new Outbox(ids);
    }

    /** A conversation with the name its agent has (or had: deleted agents keep their names for history). */
    public record Named(Conversation conversation, Optional<String> agentName) {}

    /** Records a conversation and returns it with its new id ({@code conv_...}). */
    public Conversation create(WorkspaceId workspace, NewConversation conversation) {
        var now = clock.instant();
        var call = conversation.phoneCall();
        return jdbi.withHandle(handle -> handle.createQuery("""
                        INSERT INTO conversations AS c (workspace_id, id, agent_id, batch_id, recipient_id,
                            phone_number_id, status, call_successful, start_time, call_duration_secs,
                            termination_reason, phone_call, client_data, transcript, created_at, updated_at)
                        VALUES (:workspaceId, :id, :agentId, :batchId, :recipientId, :phoneNumberId, :status,
                                :callSuccessful, :startTime, :duration, :terminationReason,
                                CASE WHEN :hasCall THEN jsonb_build_object(
                                    'direction', CAST(:direction AS text), 'agent_number', CAST(:agentNumber AS text),
                                    'external_number', CAST(:externalNumber AS text), 'type', CAST(:type AS text),
                                    'call_sid', CAST(:callSid AS text), 'stream_sid', CAST(:streamSid AS text))
                                ELSE '{}' END,
                                CAST(:clientData AS jsonb), CAST(:transcript AS jsonb), :now, :now)
                        RETURNING\s""" + COLUMNS)
                .bind("workspaceId", workspace.value())
                .bind("id", ids.next(Conversation.ID_PREFIX))
                .bind("agentId", conversation.agentId())
                .bind("batchId", conversation.batchId().orElse(null))
                .bind("recipientId", conversation.recipientId().orElse(null))
                .bind("phoneNumberId", conversation.phoneNumberId().orElse(null))
                .bind("status", conversation.status().wireName())
                .bind("callSuccessful", conversation.callSuccessful().wireName())
                .bind("startTime", Rows.at(conversation.startTime()))
                .bind("duration", conversation.callDurationSecs())
                .bind("terminationReason", conversation.terminationReason().orElse(null))
                .bind("hasCall", call.isPresent())
                .bind("direction", call.map(PhoneCall::direction).orElse(null))
                .bind("agentNumber", call.map(PhoneCall::agentNumber).orElse(null))
                .bind("externalNumber", call.map(PhoneCall::externalNumber).orElse(null))
                .bind("type", call.map(PhoneCall::type).orElse(null))
                .bind("callSid", call.map(PhoneCall::callSid).orElse(null))
                .bind("streamSid", call.flatMap(PhoneCall::streamSid).orElse(null))
                .bind("clientData", conversation.clientDataJson().orElse(null))
                .bind("transcript", conversation.transcriptJson())
                .bind("now", Rows.at(now))
                .map(ConversationStore::conversation)
                .one());
    }

    public Optional<Named> find(WorkspaceId workspace, String conversationId) {
        return jdbi.withHandle(handle -> find(handle, workspace, conversationId));
    }

    static Optional<Named> find(Handle handle, WorkspaceId workspace, String conversationId) {
        return handle.createQuery(NAMED + " WHERE c.workspace_id = :workspaceId AND c.id = :id")
                .bind("workspaceId", workspace.value())
                .bind("id", conversationId)
                .map(ConversationStore::named)
                .findOne();
    }

    /**
     * Records what the agent reports about its conversation and returns the conversation as it now is, or empty
     * when there is none. Parts the report leaves out keep their stored values. A report that comes after the
     * conversation's {@code post_call_transcription} went out is told to subscribers as {@code
     * conversation.updated}; one that comes while the event waits for it lets the event go at once.
     */
    public Optional<Named> report(WorkspaceId workspace, String conversationId, AgentReport report) {
        return jdbi.inTransaction(handle -> {
            var now = clock.instant();
            var sent = handle.createQuery("""
                            UPDATE conversations SET
                                transcript = coalesce(CAST(:transcript AS jsonb), transcript),
                                call_successful = coalesce(:callSuccessful, call_successful),
                                transcript_summary = coalesce(:summary, transcript_summary),
                                data_collection_results = coalesce(CAST(:dataCollection AS jsonb),
                                                                   data_collection_results),
                                evaluation_criteria_results = coalesce(CAST(:evaluation AS jsonb),
                                                                       evaluation_criteria_results),
                                termination_reason = coalesce(:terminationReason, termination_reason),
                                reported_at = :now, updated_at = :now
                            WHERE workspace_id = :workspaceId AND id = :id
                            RETURNING post_call_sent_at IS NOT NULL AS sent, post_call_pending AS pending""")
                    .bind("transcript", report.transcriptJson().orElse(null))
                    .bind(
                            "callSuccessful",
                            report.callSuccessful()
                                    .map(CallSuccessful::wireName)
                                    .orElse(null))
                    .bind("summary", report.transcriptSummary().orElse(null))
                    .bind("dataCollection", report.dataCollectionResultsJson().orElse(null))
                    .bind("evaluation", report.evaluationCriteriaResultsJson().orElse(null))
                    .bind("terminationReason", report.terminationReason().orElse(null))
                    .bind("now", Rows.at(now))
                    .bind("workspaceId", workspace.value())
                    .bind("id", conversationId)
                    .map((rs, ctx) -> rs.getBoolean("sent")
                            ? PostCall.AFTER
                            : rs.getBoolean("pending") ? PostCall.WAITING : PostCall.NOT_DUE)
                    .findOne();
            if (sent.isEmpty()) {
                return Optional.<Named>empty();
            }
            var ref = new ConversationRef(workspace, conversationId);
            switch (sent.get()) {
                case AFTER -> PostCallEvents.updated(handle, outbox, ref, now);
                case WAITING -> PostCallEvents.transcriptions(handle, outbox, List.of(ref), now);
                case NOT_DUE -> {}
            }
            return find(handle, workspace, conversationId);
        });
    }

    /** Where a report stands against its conversation's post_call_transcription. */
    private enum PostCall {
        NOT_DUE,
        WAITING,
        AFTER
    }

    /**
     * What GET /v1/convai/conversations may ask for; an empty field or list filters nothing. Start bounds are a
     * half-open window {@code [startAfter, startBefore)}, duration bounds are inclusive, {@code agentIds} and
     * {@code branchIds} match any of their values (ElevenLabs' visited agents and branches: ours have one each).
     */
    public record Filter(
            Optional<String> agentId,
            List<String> agentIds,
            Optional<String> batchId,
            Optional<String> branchId,
            List<String> branchIds,
            Optional<CallSuccessful> callSuccessful,
            Optional<Instant> startAfter,
            Optional<Instant> startBefore,
            Optional<Integer> minDuration,
            Optional<Integer> maxDuration,
            Optional<String> userId,
            Set<ConversationStatus> excludedStatuses,
            List<String> terminationReasons,
            List<String> phoneCallTypes,
            List<ValueCondition> valueConditions,
            boolean oldestFirst) {
        public Filter {
            valueConditions = List.copyOf(valueConditions);
            agentIds = List.copyOf(agentIds);
            branchIds = List.copyOf(branchIds);
            excludedStatuses = Set.copyOf(excludedStatuses);
            terminationReasons = List.copyOf(terminationReasons);
            phoneCallTypes = List.copyOf(phoneCallTypes);
        }

        /** Every conversation of the workspace, newest first. */
        public static Filter none() {
            return new Filter(
                    Optional.empty(),
                    List.of(),
                    Optional.empty(),
                    Optional.empty(),
                    List.of(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Set.of(),
                    List.of(),
                    List.of(),
                    List.of(),
                    false);
        }
    }

    /**
     * A condition on one value the agent reported or the submitter gave: an evaluation criterion's result, a data
     * collection result's value, or a dynamic variable. An empty value with EQ matches where it is not set, with
     * NEQ where it is; numeric operators compare numbers (and strings holding one) only.
     */
    public record ValueCondition(Field field, String key, Operator operator, List<String> values) {
        public enum Field {
            EVALUATION,
            DATA_COLLECTION,
            DYNAMIC_VARIABLE
        }

        public enum Operator {
            EQ,
            NEQ,
            GT,
            GTE,
            LT,
            LTE,
            IN
        }

        public ValueCondition {
            values = List.copyOf(values);
        }

        /** The condition as SQL, its parameters named after {@code index}; bound by {@link #bind}. */
        String sql(int index) {
            var value = switch (field) {
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
                    + switch (operator) {
                        case EQ -> unset ? text + " IS NULL" : text + " = :vv" + index;
                        case NEQ -> unset ? text + " IS NOT NULL" : text + " IS DISTINCT FROM :vv" + index;
                        case IN -> text + " = ANY(:vs" + index + ")";
                        case GT -> number + " > :vn" + index;
                        case GTE -> number + " >= :vn" + index;
                        case LT -> number + " < :vn" + index;
                        case LTE -> number + " <= :vn" + index;
                    };
        }

        void bind(org.jdbi.v3.core.statement.Query query, int index) {
            query.bind("vk" + index, key);
            var unset = values.isEmpty() || values.getFirst().isEmpty();
            switch (operator) {
                case EQ, NEQ -> {
                    if (!unset) {
                        query.bind("vv" + index, values.getFirst());
                    }
                }
                case IN -> query.bindArray("vs" + index, String.class, values);
                case GT, GTE, LT, LTE -> query.bind("vn" + index, new java.math.BigDecimal(values.getFirst()));
            }
        }
    }

    /**
     * One page of the workspace's conversations, ordered by start time (then id) either way. Only the conditions
     * a filter sets are in the statement: a constant {@code :x IS NULL OR ...} would let a generic plan pick one
     * index for every combination, while these stay plain range conditions each index of V120 serves.
     */
    public Page<Named> list(WorkspaceId workspace, Filter filter, Optional<Keyset> after, int limit) {
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
            where.append(filter.valueConditions().get(i).sql(i));
        }
        var direction = filter.oldestFirst() ? "ASC" : "DESC";
        after.ifPresent(x -> where.append(
                filter.oldestFirst()
                        ? " AND (c.start_time, c.id) > (:afterAt, :afterId)"
                        : " AND (c.start_time, c.id) < (:afterAt, :afterId)"));
        var sql = LISTED + where + " ORDER BY c.start_time " + direction + ", c.id " + direction + " LIMIT :limit";
        var rows = jdbi.withHandle(handle -> {
            var query = handle.createQuery(sql)
                    .bind("workspaceId", workspace.value())
                    .bind("limit", limit + 1);
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
                filter.valueConditions().get(i).bind(query, i);
            }
            after.ifPresent(x -> query.bind("afterAt", Rows.at(x.at())).bind("afterId", x.id()));
            return query.map(ConversationStore::named).list();
        });
        return Page.of(
                rows,
                limit,
                row -> new Keyset(
                        row.conversation().startTime(), row.conversation().id()));
    }

    /** What deleting a conversation did. */
    public sealed interface Deletion {
        record Deleted() implements Deletion {}

        record NotFound() implements Deletion {}

        /** Its call has not ended: the dispatcher still writes to it. */
        record InProgress(ConversationStatus status) implements Deletion {}
    }

    /**
     * Deletes a conversation whose call has ended. One that is still initiated or in progress stays: the call's
     * end writes its outcome into it, and deleting it under a live call would make that end vanish from history.
     * The recipient that made it keeps the id (the batch's record of what happened), which then answers 404.
     */
    public Deletion delete(WorkspaceId workspace, String conversationId) {
        return jdbi.inTransaction(handle -> {
            var status = handle.createQuery("""
                            SELECT status FROM conversations WHERE workspace_id = :workspaceId AND id = :id
                            FOR UPDATE""")
                    .bind("workspaceId", workspace.value())
                    .bind("id", conversationId)
                    .mapTo(String.class)
                    .findOne()
                    .map(text -> ConversationStatus.fromWire(text).orElseThrow());
            if (status.isEmpty()) {
                return new Deletion.NotFound();
            }
            if (!status.get().ended()) {
                return new Deletion.InProgress(status.get());
            }
            handle.createUpdate("DELETE FROM conversations WHERE workspace_id = :workspaceId AND id = :id")
                    .bind("workspaceId", workspace.value())
                    .bind("id", conversationId)
                    .execute();
            return new Deletion.Deleted();
        });
    }

    /** Records the provider's recording of an attempt's call on its conversation; false when there is none. */
    public boolean recorded(WorkspaceId workspace, String attemptId, String recordingSid) {
        return jdbi.withHandle(handle -> handle.createUpdate("""
                        UPDATE conversations c SET recording_sid = :recordingSid, updated_at = :now
                        FROM attempts a
                        WHERE a.workspace_id = :workspaceId AND a.id = :attemptId
                          AND c.workspace_id = a.workspace_id AND c.id = a.conversation_id""")
                        .bind("recordingSid", recordingSid)
                        .bind("now", Rows.at(clock.instant()))
                        .bind("workspaceId", workspace.value())
                        .bind("attemptId", attemptId)
                        .execute()
                > 0);
    }

    /** Where a conversation's recording is: the provider's recording id and the number that placed the call. */
    public record Recording(String recordingSid, String phoneNumberId) {}

    public Optional<Recording> recording(WorkspaceId workspace, String conversationId) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT recording_sid, phone_number_id FROM conversations
                        WHERE workspace_id = :workspaceId AND id = :id
                          AND recording_sid IS NOT NULL AND phone_number_id IS NOT NULL""")
                .bind("workspaceId", workspace.value())
                .bind("id", conversationId)
                .map((rs, ctx) -> new Recording(rs.getString("recording_sid"), rs.getString("phone_number_id")))
                .findOne());
    }

    static Named named(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Named(conversation(rs, ctx), Rows.optionalText(rs, "agent_name"));
    }

    private static Conversation conversation(ResultSet rs, StatementContext ctx) throws SQLException {
        var callType = Rows.optionalText(rs, "call_type");
        Optional<PhoneCall> call = callType.isEmpty()
                ? Optional.empty()
                : Optional.of(new PhoneCall(
                        rs.getString("direction"),
                        rs.getString("agent_number"),
                        rs.getString("external_number"),
                        callType.get(),
                        // A call ended before its provider took it (a WhatsApp user who declined, say) has no id.
                        Rows.optionalText(rs, "call_sid").orElse(""),
                        Rows.optionalText(rs, "stream_sid")));
        return new Conversation(
                new WorkspaceId(rs.getString("workspace_id")),
                rs.getString("id"),
                rs.getString("agent_id"),
                Rows.optionalText(rs, "batch_id"),
                Rows.optionalText(rs, "recipient_id"),
                Rows.optionalText(rs, "phone_number_id"),
                ConversationStatus.fromWire(rs.getString("status")).orElseThrow(),
                CallSuccessful.fromWire(rs.getString("call_successful")).orElseThrow(),
                Rows.instant(rs, "start_time"),
                rs.getInt("call_duration_secs"),
                Rows.optionalText(rs, "termination_reason"),
                call,
                Rows.optionalText(rs, "client_data"),
                rs.getString("transcript"),
                rs.getInt("message_count"),
                Rows.optionalText(rs, "call_result")
                        .map(r -> CallResult.fromWire(r).orElseThrow()),
                Rows.optionalText(rs, "transcript_summary"),
                rs.getString("data_collection_results"),
                rs.getString("evaluation_criteria_results"),
                Rows.optionalText(rs, "branch_id"),
                rs.getBoolean("has_audio"),
                Optional.ofNullable((Integer) rs.getObject("attempt_number")));
    }
}
