package io.batchcall.store;

import io.batchcall.domain.Batch;
import io.batchcall.domain.BatchStatus;
import io.batchcall.domain.BatchSummary;
import io.batchcall.domain.MachineDetection;
import io.batchcall.domain.Provider;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.WorkspaceId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * How a batch is read as the API shows it: the one select (with its agent's, branch's and provider's names) and
 * its mapper, shared by the batch store, the running-batch operations and the lifecycle events.
 */
final class BatchRows {
    /**
     * Every batch read joins the names the API shows; deleted agents and numbers still lend their names. Its
     * columns by name, not {@code b.*}: the claim's and the campaign
     * rules' columns (calling window, retry policy as JSON) are read by no one here, and a list page read them for
     * 100 batches on every request.
     */
    static final String SUMMARY = """
            SELECT b.workspace_id, b.id, b.name, b.agent_id, b.branch_id, b.phone_number_id, b.environment, b.timezone,
                   b.whatsapp_params, b.ringing_timeout_secs, b.recording_enabled, b.machine_detection,
                   b.target_concurrency_limit, b.status, b.failure_reason, b.retry_count, b.total_scheduled,
                   b.total_dispatched, b.total_finished, b.scheduled_at, b.created_at, b.updated_at, b.paused_at,
                   a.name AS agent_name, br.name AS branch_name, p.provider AS phone_provider
            FROM batches b
            JOIN agents a ON a.workspace_id = b.workspace_id AND a.id = b.agent_id
            LEFT JOIN branches br ON br.workspace_id = b.workspace_id AND br.id = b.branch_id
            LEFT JOIN phone_numbers p ON p.workspace_id = b.workspace_id AND p.id = b.phone_number_id
            """;

    private BatchRows() {}

    static Optional<BatchSummary> summary(Handle handle, WorkspaceId workspace, String batchId) {
        return handle.createQuery(SUMMARY + "WHERE b.workspace_id = :workspaceId AND b.id = :id")
                .bind("workspaceId", workspace.value())
                .bind("id", batchId)
                .map(BatchRows::batchSummary)
                .findOne();
    }

    static BatchSummary batchSummary(ResultSet rs, StatementContext ctx) throws SQLException {
        var batch = new Batch(
                new WorkspaceId(rs.getString("workspace_id")),
                rs.getString("id"),
                rs.getString("name"),
                rs.getString("agent_id"),
                Rows.optionalText(rs, "branch_id"),
                Rows.optionalText(rs, "phone_number_id"),
                Rows.optionalText(rs, "environment"),
                Rows.optionalText(rs, "timezone"),
                Rows.optionalText(rs, "whatsapp_params"),
                new TelephonyCallConfig(
                        rs.getInt("ringing_timeout_secs"),
                        rs.getBoolean("recording_enabled"),
                        Rows.optionalText(rs, "machine_detection").flatMap(MachineDetection::fromWire)),
                Optional.ofNullable((Integer) rs.getObject("target_concurrency_limit")),
                BatchStatus.fromWire(rs.getString("status")).orElseThrow(),
                Rows.optionalText(rs, "failure_reason"),
                rs.getInt("retry_count"),
                rs.getInt("total_scheduled"),
                rs.getInt("total_dispatched"),
                rs.getInt("total_finished"),
                Rows.instant(rs, "scheduled_at"),
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "updated_at"),
                Rows.optionalInstant(rs, "paused_at"));
        return new BatchSummary(
                batch,
                rs.getString("agent_name"),
                Rows.optionalText(rs, "branch_name"),
                Rows.optionalText(rs, "phone_provider").flatMap(Provider::fromWire));
    }
}
