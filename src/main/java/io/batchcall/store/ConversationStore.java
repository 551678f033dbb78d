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
import java.util.List;
import java.util.Optional;
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
            c.evaluation_criteria_results::text AS evaluation_criteria_results
            """;
    /** The conversation with its agent's name, joined to {@code c}. */
    static final String NAMED = "SELECT " + COLUMNS + """
            , a.name AS agent_name
             FROM conversations c
             LEFT JOIN agents a ON a.workspace_id = c.workspace_id AND a.id = c.agent_id
            """;

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
                    .bind("callSuccessful", report.callSuccessful().map(CallSuccessful::wireName).orElse(null))
                    .bind("summary", report.transcriptSummary().orElse(null))
                    .bind("dataCollection", report.dataCollectionResultsJson().orElse(null))
                    .bind("evaluation", report.evaluationCriteriaResultsJson().orElse(null))
                    .bind("terminationReason", report.terminationReason().orElse(null))
                    .bind("now", Rows.at(now))
                    .bind("workspaceId", workspace.value())
                    .bind("id", conversationId)
                    .map((rs, ctx) -> rs.getBoolean("sent") ? PostCall.AFTER : rs.getBoolean("pending")
                            ? PostCall.WAITING : PostCall.NOT_DUE)
                    .findOne();
            if (sent.isEmpty()) {
                return Optional.<Named>empty();
            }
            var ref = new ConversationRef(workspace, conversationId);
            switch (sent.get()) {
                case AFTER -> PostCallEvents.updated(handle, outbox, ref, now);
                case WAITING -> PostCallEvents.transcriptions(handle, outbox, List.of(ref), now);
                case NOT_DUE -> { }
            }
            return find(handle, workspace, conversationId);
        });
    }

    /** Where a report stands against its conversation's post_call_transcription. */
    private enum PostCall { NOT_DUE, WAITING, AFTER }

    /** Newest first (by start time), optionally one agent's or one batch's. */
    public Page<Named> list(WorkspaceId workspace, Optional<String> agentId, Optional<String> batchId,
                            Optional<Keyset> after, int limit) {
        var rows = jdbi.withHandle(handle -> handle.createQuery(NAMED + """
                         WHERE c.workspace_id = :workspaceId
                           AND (CAST(:agentId AS text) IS NULL OR c.agent_id = :agentId)
                           AND (CAST(:batchId AS text) IS NULL OR c.batch_id = :batchId)
                           AND (CAST(:afterAt AS timestamptz) IS NULL OR (c.start_time, c.id) < (:afterAt, :afterId))
                         ORDER BY c.start_time DESC, c.id DESC
                         LIMIT :limit""")
                .bind("workspaceId", workspace.value())
                .bind("agentId", agentId.orElse(null))
                .bind("batchId", batchId.orElse(null))
                .bind("afterAt", Rows.at(after.map(Keyset::at).orElse(null)))
                .bind("afterId", after.map(Keyset::id).orElse(null))
                .bind("limit", limit + 1)
                .map(ConversationStore::named)
                .list());
        return Page.of(rows, limit, row -> new Keyset(row.conversation().startTime(), row.conversation().id()));
    }

    static Named named(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Named(conversation(rs, ctx), Rows.optionalText(rs, "agent_name"));
    }

    private static Conversation conversation(ResultSet rs, StatementContext ctx) throws SQLException {
        var callType = Rows.optionalText(rs, "call_type");
        Optional<PhoneCall> call = callType.isEmpty() ? Optional.empty() : Optional.of(new PhoneCall(
                rs.getString("direction"), rs.getString("agent_number"), rs.getString("external_number"),
                callType.get(), rs.getString("call_sid"), Rows.optionalText(rs, "stream_sid")));
        return new Conversation(new WorkspaceId(rs.getString("workspace_id")), rs.getString("id"),
                rs.getString("agent_id"), Rows.optionalText(rs, "batch_id"), Rows.optionalText(rs, "recipient_id"),
                Rows.optionalText(rs, "phone_number_id"),
                ConversationStatus.fromWire(rs.getString("status")).orElseThrow(),
                CallSuccessful.fromWire(rs.getString("call_successful")).orElseThrow(),
                Rows.instant(rs, "start_time"), rs.getInt("call_duration_secs"),
                Rows.optionalText(rs, "termination_reason"), call, Rows.optionalText(rs, "client_data"),
                rs.getString("transcript"), rs.getInt("message_count"),
                Rows.optionalText(rs, "call_result").map(r -> CallResult.fromWire(r).orElseThrow()),
                Rows.optionalText(rs, "transcript_summary"), rs.getString("data_collection_results"),
                rs.getString("evaluation_criteria_results"));
    }
}
