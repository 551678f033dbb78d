package io.batchcall.store;

import io.batchcall.domain.AgentReport;
import io.batchcall.domain.CallSuccessful;
import io.batchcall.domain.Conversation;
import io.batchcall.domain.ConversationRef;
import io.batchcall.domain.ConversationStatus;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewConversation;
import io.batchcall.domain.PhoneCall;
import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Conversations: written by the dispatcher as calls happen, read by the API. */
public final class ConversationStore {
    private final Jdbi jdbi;
    private final Clock clock;
    private final IdSource ids;
    private final Outbox outbox;
    private final ConversationListing listing;

    public ConversationStore(Database database, Clock clock, IdSource ids) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.ids = ids;
        this.outbox = new Outbox(ids);
        this.listing = new ConversationListing(jdbi);
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
                        RETURNING\s""" + ConversationRows.COLUMNS)
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
                .map(ConversationRows::conversation)
                .one());
    }

    public Optional<Named> find(WorkspaceId workspace, String conversationId) {
        return jdbi.withHandle(handle -> find(handle, workspace, conversationId));
    }

    static Optional<Named> find(Handle handle, WorkspaceId workspace, String conversationId) {
        return handle.createQuery(ConversationRows.NAMED + " WHERE c.workspace_id = :workspaceId AND c.id = :id")
                .bind("workspaceId", workspace.value())
                .bind("id", conversationId)
                .map(ConversationRows::named)
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
     * NEQ where it is; numeric operators compare numbers (and strings holding one) only. Its SQL is rendered
     * by {@link ConversationListing}.
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
    }

    /** One page of the workspace's conversations, ordered by start time (then id) either way. */
    public Page<Named> list(WorkspaceId workspace, Filter filter, Optional<Keyset> after, int limit) {
        return listing.list(workspace, filter, after, limit);
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
            // A conversation of a registered call (no batch) has no call of ours writing into it: batchcall never
            // sees that call end, so its status can stay "initiated" for good, and it may be deleted in any status.
            var found = handle.createQuery("""
                            SELECT status, batch_id IS NULL AS registered FROM conversations
                            WHERE workspace_id = :workspaceId AND id = :id
                            FOR UPDATE""")
                    .bind("workspaceId", workspace.value())
                    .bind("id", conversationId)
                    .map((rs, ctx) -> Map.entry(
                            ConversationStatus.fromWire(rs.getString("status")).orElseThrow(),
                            rs.getBoolean("registered")))
                    .findOne();
            if (found.isEmpty()) {
                return new Deletion.NotFound();
            }
            var status = found.get().getKey();
            if (!status.ended() && !found.get().getValue()) {
                return new Deletion.InProgress(status);
            }
            // Its place in the post-call queue goes with it (the conversation's row first, as every writer locks them).
            handle.createUpdate("""
                            WITH gone AS (
                                DELETE FROM conversations WHERE workspace_id = :workspaceId AND id = :id
                                RETURNING workspace_id, id, ended_at)
                            DELETE FROM post_call_queue q USING gone
                            WHERE q.ended_at = gone.ended_at AND q.workspace_id = gone.workspace_id
                              AND q.conversation_id = gone.id""")
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
}
