package io.batchcall.store;

import io.batchcall.domain.Recipient;
import io.batchcall.domain.RecipientStatus;
import io.batchcall.domain.WorkspaceId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Reads recipients in submitted order, a chunk at a time: a 10,000-recipient batch is streamed out in short
 * queries, so neither the heap nor a connection is held for the whole response.
 */
public final class RecipientStore {
    private final Jdbi jdbi;

    public RecipientStore(Database database) {
        this.jdbi = database.jdbi();
    }

    /** Up to {@code limit} recipients after {@code afterPosition} (-1 for the first), in submitted order. */
    public List<Recipient> chunk(WorkspaceId workspace, String batchId, int afterPosition, int limit) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT batch_id, id, position, phone_number, whatsapp_user_id, client_data::text AS client_data,
                               status, last_outcome, attempt_count, conversation_id, created_at, updated_at,
                               hold_reason, skip_reason, next_attempt_at, timezone, resolved_timezones, timezone_source,
                               region
                        FROM recipients
                        WHERE workspace_id = :workspaceId AND batch_id = :batchId AND position > :after
                        ORDER BY position
                        LIMIT :limit""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("after", afterPosition)
                .bind("limit", limit)
                .map(RecipientStore::recipient)
                .list());
    }

    /**
     * A recipient with what its last conversation (the one its {@code conversation_id} names) says: how the call
     * ended and what the agent reported. Empty parts when it has no conversation or nothing was reported.
     */
    public record WithResult(
            Recipient recipient,
            Optional<String> callResult,
            Optional<String> callSuccessful,
            Optional<String> transcriptSummary,
            Optional<String> terminationReason,
            String dataCollectionResultsJson) {}

    /** As {@link #chunk}, each recipient with its conversation's results (one query, joined). */
    public List<WithResult> chunkWithResults(WorkspaceId workspace, String batchId, int afterPosition, int limit) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT r.batch_id, r.id, r.position, r.phone_number, r.whatsapp_user_id,
                               r.client_data::text AS client_data, r.status, r.last_outcome, r.attempt_count,
                               r.conversation_id, r.created_at, r.updated_at, r.hold_reason, r.skip_reason,
                               r.next_attempt_at, r.timezone, r.resolved_timezones, r.timezone_source, r.region,
                               c.call_result, c.call_successful, c.transcript_summary, c.termination_reason,
                               coalesce(c.data_collection_results, '{}')::text AS data_collection_results
                        FROM recipients r
                        LEFT JOIN conversations c ON c.workspace_id = r.workspace_id AND c.id = r.conversation_id
                        WHERE r.workspace_id = :workspaceId AND r.batch_id = :batchId AND r.position > :after
                        ORDER BY r.position
                        LIMIT :limit""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("after", afterPosition)
                .bind("limit", limit)
                .map((rs, ctx) -> new WithResult(
                        recipient(rs, ctx),
                        Rows.optionalText(rs, "call_result"),
                        Rows.optionalText(rs, "call_successful"),
                        Rows.optionalText(rs, "transcript_summary"),
                        Rows.optionalText(rs, "termination_reason"),
                        rs.getString("data_collection_results")))
                .list());
    }

    /**
     * What the campaign rules hold in a batch: how many pending recipients wait with a hold reason, and when the
     * earliest of those held by their calling window (or a holiday) may be called. One aggregate over the batch's
     * held recipients only (the recipients_held index), for GET of one batch only, never for list pages.
     */
    public record Waiting(int recipients, Optional<java.time.Instant> nextWindowOpensAt) {}

    public Waiting waiting(WorkspaceId workspace, String batchId) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT count(hold_reason)::integer AS waiting,
                               min(next_attempt_at) FILTER (WHERE hold_reason IN ('outside_window', 'holiday'))
                                   AS next_window
                        FROM recipients
                        WHERE workspace_id = :workspaceId AND batch_id = :batchId AND pending
                          AND hold_reason IS NOT NULL""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .map((rs, ctx) -> new Waiting(rs.getInt("waiting"), Rows.optionalInstant(rs, "next_window")))
                .one());
    }

    /** The data collection ids the agent reported for the first {@code limit} recipients' conversations, sorted. */
    public List<String> dataCollectionIds(WorkspaceId workspace, String batchId, int limit) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT DISTINCT name FROM (
                            SELECT conversation_id FROM recipients
                            WHERE workspace_id = :workspaceId AND batch_id = :batchId
                            ORDER BY position
                            LIMIT :limit) first_recipients
                        JOIN conversations c ON c.workspace_id = :workspaceId
                                            AND c.id = first_recipients.conversation_id,
                        LATERAL jsonb_object_keys(c.data_collection_results) AS name
                        ORDER BY name""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("limit", limit)
                .mapTo(String.class)
                .list());
    }

    /** The dynamic variable names used by the first {@code limit} recipients, sorted. */
    public List<String> dynamicVariableNames(WorkspaceId workspace, String batchId, int limit) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT DISTINCT name FROM (
                            SELECT client_data -> 'dynamic_variables' AS variables
                            FROM recipients
                            WHERE workspace_id = :workspaceId AND batch_id = :batchId
                            ORDER BY position
                            LIMIT :limit) first_recipients,
                        LATERAL json_object_keys(CASE WHEN json_typeof(variables) = 'object'
                                                      THEN variables ELSE '{}'::json END) AS name
                        ORDER BY name""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("limit", limit)
                .mapTo(String.class)
                .list());
    }

    static Recipient recipient(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Recipient(
                rs.getString("batch_id"),
                rs.getString("id"),
                rs.getInt("position"),
                Rows.optionalText(rs, "phone_number"),
                Rows.optionalText(rs, "whatsapp_user_id"),
                Rows.optionalText(rs, "client_data"),
                RecipientStatus.fromWire(rs.getString("status")).orElseThrow(),
                Rows.optionalText(rs, "last_outcome"),
                rs.getInt("attempt_count"),
                Rows.optionalText(rs, "conversation_id"),
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "updated_at"),
                Rows.optionalText(rs, "hold_reason"),
                Rows.optionalText(rs, "skip_reason"),
                Rows.optionalInstant(rs, "next_attempt_at"),
                Rows.optionalText(rs, "timezone"),
                zones(rs.getArray("resolved_timezones")),
                Rows.optionalText(rs, "timezone_source"),
                Rows.optionalText(rs, "region"));
    }

    private static List<String> zones(java.sql.Array array) throws SQLException {
        return array == null ? List.of() : List.of((String[]) array.getArray());
    }
}
