package io.batchcall.store;

import io.batchcall.domain.MachineDetection;
import io.batchcall.domain.NewBatch;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.StateConflict;
import io.batchcall.domain.WorkspaceId;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * The statements that write a new batch, run inside their caller's transaction: the check that its agent and
 * number still live, the batch row, and its recipients in one statement. A submit, a single outbound call (a
 * hidden one-recipient batch) and an append to a running batch share them.
 */
final class BatchInserts {
    private BatchInserts() {}

    static void requireLive(Handle handle, WorkspaceId workspace, String table, String id, String what) {
        boolean live = handle.createQuery("SELECT true FROM " + table
                        + " WHERE workspace_id = :workspaceId AND id = :id AND deleted_at IS NULL FOR SHARE")
                .bind("workspaceId", workspace.value())
                .bind("id", id)
                .mapTo(Boolean.class)
                .findOne()
                .isPresent();
        if (!live) {
            throw new StateConflict(
                    what.replace(' ', '_') + "_deleted",
                    "The " + what + " " + id + " was deleted while the batch was being submitted");
        }
    }

    static void insertBatch(Handle handle, WorkspaceId workspace, String batchId, NewBatch batch, Instant now) {
        insertBatch(handle, workspace, batchId, batch, batch.recipients().size(), now);
    }

    /** The batch row, counting {@code total} recipients (more than {@code batch} holds when the rest still come). */
    static void insertBatch(
            Handle handle, WorkspaceId workspace, String batchId, NewBatch batch, int total, Instant now) {
        var config = batch.callConfig();
        // A batch is never scheduled before it exists: "now" as the request read it can be a second before the
        // created_at read here, and a batch submitted without a time then showed scheduled_time_unix one below its
        // created_at_unix.
        handle.createUpdate("""
                        INSERT INTO batches (workspace_id, id, name, agent_id, branch_id, phone_number_id, environment,
                            timezone, whatsapp_params, ringing_timeout_secs, recording_enabled, machine_detection,
                            target_concurrency_limit, status, total_scheduled, scheduled_at, created_at, updated_at,
                            retry_policy, calling_window, window_expires_at)
                        VALUES (:workspaceId, :id, :name, :agentId, :branchId, :phoneNumberId, :environment,
                            :timezone, CAST(:whatsappParams AS jsonb), :ringingTimeout, :recording, :machineDetection,
                            :targetConcurrencyLimit, 'pending', :total,
                            GREATEST(:scheduledAt, date_trunc('second', CAST(:now AS timestamptz))), :now, :now,
                            CAST(:retryPolicy AS jsonb), CAST(:callingWindow AS jsonb), :windowExpiresAt)""")
                .bind("workspaceId", workspace.value())
                .bind("id", batchId)
                .bind("name", batch.name())
                .bind("agentId", batch.agentId())
                .bind("branchId", batch.branchId().orElse(null))
                .bind("phoneNumberId", batch.phoneNumberId().orElse(null))
                .bind("environment", batch.environment().orElse(null))
                .bind("timezone", batch.timezone().orElse(null))
                .bind("whatsappParams", batch.whatsappParamsJson().orElse(null))
                .bind("ringingTimeout", config.ringingTimeoutSecs())
                .bind("recording", config.recordingEnabled())
                .bind(
                        "machineDetection",
                        config.machineDetection()
                                .map(MachineDetection::wireName)
                                .orElse(null))
                .bind("targetConcurrencyLimit", batch.targetConcurrencyLimit().orElse(null))
                .bind("retryPolicy", batch.rules().retryPolicyJson().orElse(null))
                .bind("callingWindow", batch.rules().callingWindowJson().orElse(null))
                .bind(
                        "windowExpiresAt",
                        batch.rules().windowExpiresAt().map(Rows::at).orElse(null))
                .bind("total", total)
                // The schedule is kept to the second, as the API shows it.
                .bind("scheduledAt", Rows.at(batch.scheduledAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)))
                .bind("now", Rows.at(now))
                .execute();
    }

    static void insertRecipients(
            Handle handle, WorkspaceId workspace, String batchId, List<NewRecipient> recipients, Instant now) {
        insertRecipients(handle, workspace, batchId, recipients, 0, now);
    }

    /** Inserts pending recipients at positions {@code first}, {@code first + 1}, ... (an append starts after). */
    static void insertRecipients(
            Handle handle,
            WorkspaceId workspace,
            String batchId,
            List<NewRecipient> recipients,
            int first,
            Instant now) {
        int size = recipients.size();
        var positions = new Integer[size];
        for (int i = 0; i < size; i++) {
            positions[i] = first + i;
        }
        handle.createUpdate("""
                        INSERT INTO recipients (workspace_id, batch_id, id, position, phone_number, whatsapp_user_id,
                            client_data, status, created_at, updated_at, timezone, region)
                        SELECT :workspaceId, :batchId, r.id, r.position, r.phone_number, r.whatsapp_user_id,
                            CAST(r.client_data AS json), 'pending', :now, :now, r.timezone, r.region
                        FROM unnest(:ids, :positions, :phoneNumbers, :whatsappUserIds, :clientData, :timezones,
                                    :regions)
                            AS r(id, position, phone_number, whatsapp_user_id, client_data, timezone, region)""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("now", Rows.at(now))
                .bindArray(
                        "ids",
                        String.class,
                        recipients.stream().map(NewRecipient::id).toList())
                .bindArray("positions", Integer.class, (Object[]) positions)
                .bindArray(
                        "phoneNumbers",
                        String.class,
                        recipients.stream()
                                .map(r -> r.phoneNumber().orElse(null))
                                .toList())
                .bindArray(
                        "whatsappUserIds",
                        String.class,
                        recipients.stream()
                                .map(r -> r.whatsappUserId().orElse(null))
                                .toList())
                .bindArray(
                        "clientData",
                        String.class,
                        recipients.stream()
                                .map(r -> r.clientDataJson().orElse(null))
                                .toList())
                .bindArray(
                        "timezones",
                        String.class,
                        recipients.stream().map(r -> r.timezone().orElse(null)).toList())
                .bindArray(
                        "regions",
                        String.class,
                        recipients.stream().map(r -> r.region().orElse(null)).toList())
                .execute();
    }
}
