package io.batchcall.store;

import io.batchcall.domain.HoldReason;
import io.batchcall.domain.WhatsAppPermission;
import io.batchcall.domain.WhatsAppPermissions;
import io.batchcall.domain.WorkspaceId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Call permissions of WhatsApp users, one row per (workspace, business number, user), and the wake-up of the
 * recipients held for one when its reply comes. A reply wakes by moving the held recipients' next_attempt_at to now
 * and telling every dispatcher ({@link Notifications#WAKE}); the claim then dials them (granted) or the provider
 * ends them (refused). The wake-up writes recipients, so it locks the workspace first, as every such writer does.
 */
public final class WhatsAppPermissionStore implements WhatsAppPermissions {
    private final Jdbi jdbi;

    public WhatsAppPermissionStore(Database database) {
        this.jdbi = database.jdbi();
    }

    @Override
    public Optional<WorkspaceId> workspaceOf(String phoneNumberId) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT workspace_id FROM phone_numbers
                        WHERE id = :id AND provider = 'whatsapp' AND deleted_at IS NULL
                        ORDER BY created_at LIMIT 1""")
                .bind("id", phoneNumberId)
                .map((rs, ctx) -> new WorkspaceId(rs.getString(1)))
                .findOne());
    }

    @Override
    public Optional<WhatsAppPermission> find(WorkspaceId workspace, String phoneNumberId, String userWaId) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT status, request_message_id, requested_at, expires_at, unanswered, last_unanswered_at
                        FROM whatsapp_permissions
                        WHERE workspace_id = :workspaceId AND phone_number_id = :phoneNumberId
                          AND user_wa_id = :userWaId""")
                .bind("workspaceId", workspace.value())
                .bind("phoneNumberId", phoneNumberId)
                .bind("userWaId", userWaId)
                .map((rs, ctx) -> new WhatsAppPermission(
                        workspace,
                        phoneNumberId,
                        userWaId,
                        WhatsAppPermission.Status.fromWire(rs.getString("status")),
                        Rows.optionalText(rs, "request_message_id"),
                        Rows.optionalInstant(rs, "requested_at"),
                        Rows.optionalInstant(rs, "expires_at"),
                        rs.getInt("unanswered"),
                        Rows.optionalInstant(rs, "last_unanswered_at")))
                .findOne());
    }

    @Override
    public Optional<Template> template(WorkspaceId workspace, String batchId) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT whatsapp_params ->> 'whatsapp_call_permission_request_template_name' AS name,
                               whatsapp_params ->> 'whatsapp_call_permission_request_template_language_code'
                                   AS language
                        FROM batches WHERE workspace_id = :workspaceId AND id = :batchId""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .map((rs, ctx) -> {
                    var name = rs.getString("name");
                    var language = rs.getString("language");
                    return name == null || name.isBlank()
                            ? Optional.<Template>empty()
                            : Optional.of(new Template(name, language == null ? "en_US" : language));
                })
                .findOne()
                .flatMap(template -> template));
    }

    @Override
    public void requested(WorkspaceId workspace, String phoneNumberId, String userWaId, String messageId, Instant at) {
        jdbi.useHandle(handle -> handle.createUpdate("""
                        INSERT INTO whatsapp_permissions AS p (workspace_id, phone_number_id, user_wa_id, status,
                            request_message_id, requested_at, updated_at)
                        VALUES (:workspaceId, :phoneNumberId, :userWaId, 'requested', :messageId, :at, :at)
                        ON CONFLICT (workspace_id, phone_number_id, user_wa_id) DO UPDATE
                        SET status = 'requested', request_message_id = :messageId, requested_at = :at,
                            expires_at = NULL, updated_at = :at
                        -- :at is when the request was sent: a reply can come (and be written) before this row
                        -- is, and must not be overwritten by its own request.
                        WHERE p.updated_at < :at""")
                .bind("workspaceId", workspace.value())
                .bind("phoneNumberId", phoneNumberId)
                .bind("userWaId", userWaId)
                // Blank when the request's answer was lost: it may have gone out, and counts as sent.
                .bind("messageId", messageId.isBlank() ? null : messageId)
                .bind("at", Rows.at(at))
                .execute());
    }

    @Override
    public void granted(
            WorkspaceId workspace, String phoneNumberId, String userWaId, Optional<Instant> expiresAt, Instant at) {
        jdbi.useTransaction(handle -> {
            AttemptStore.lockWorkspace(handle, workspace);
            handle.createUpdate("""
                            INSERT INTO whatsapp_permissions AS p (workspace_id, phone_number_id, user_wa_id, status,
                                expires_at, updated_at)
                            VALUES (:workspaceId, :phoneNumberId, :userWaId, 'granted', :expiresAt, :at)
                            ON CONFLICT (workspace_id, phone_number_id, user_wa_id) DO UPDATE
                            SET status = 'granted', expires_at = :expiresAt, updated_at = :at""")
                    .bind("workspaceId", workspace.value())
                    .bind("phoneNumberId", phoneNumberId)
                    .bind("userWaId", userWaId)
                    .bind("expiresAt", expiresAt.map(Rows::at).orElse(null))
                    .bind("at", Rows.at(at))
                    .execute();
            // Only the recipients waiting for this permission: one a limit holds still waits for its limit.
            wake(handle, workspace, phoneNumberId, userWaId, List.of(HoldReason.WHATSAPP_PERMISSION), at);
        });
    }

    @Override
    public void wakeHeld(WorkspaceId workspace, String phoneNumberId, String userWaId, Instant at) {
        jdbi.useTransaction(handle -> {
            AttemptStore.lockWorkspace(handle, workspace);
            wake(handle, workspace, phoneNumberId, userWaId, List.of(HoldReason.WHATSAPP_PERMISSION), at);
        });
    }

    @Override
    public void refused(WorkspaceId workspace, String phoneNumberId, String userWaId, Instant at) {
        jdbi.useTransaction(handle -> {
            AttemptStore.lockWorkspace(handle, workspace);
            handle.createUpdate("""
                            INSERT INTO whatsapp_permissions AS p (workspace_id, phone_number_id, user_wa_id, status,
                                updated_at)
                            VALUES (:workspaceId, :phoneNumberId, :userWaId, 'refused', :at)
                            ON CONFLICT (workspace_id, phone_number_id, user_wa_id) DO UPDATE
                            SET status = 'refused', expires_at = NULL, updated_at = :at""")
                    .bind("workspaceId", workspace.value())
                    .bind("phoneNumberId", phoneNumberId)
                    .bind("userWaId", userWaId)
                    .bind("at", Rows.at(at))
                    .execute();
            wake(
                    handle,
                    workspace,
                    phoneNumberId,
                    userWaId,
                    List.of(HoldReason.WHATSAPP_PERMISSION, HoldReason.WHATSAPP_LIMIT),
                    at);
        });
    }

    @Override
    public void callEnded(
            WorkspaceId workspace, String phoneNumberId, String userWaId, boolean unanswered, Instant at) {
        jdbi.useHandle(handle -> handle.createUpdate("""
                        INSERT INTO whatsapp_permissions AS p (workspace_id, phone_number_id, user_wa_id, status,
                            unanswered, last_unanswered_at, updated_at)
                        VALUES (:workspaceId, :phoneNumberId, :userWaId, 'granted', :strikes, :lastUnanswered, :at)
                        ON CONFLICT (workspace_id, phone_number_id, user_wa_id) DO UPDATE
                        SET unanswered = CASE WHEN :unanswered THEN p.unanswered + 1 ELSE 0 END,
                            last_unanswered_at = CASE WHEN :unanswered THEN :at ELSE p.last_unanswered_at END,
                            updated_at = :at""")
                .bind("workspaceId", workspace.value())
                .bind("phoneNumberId", phoneNumberId)
                .bind("userWaId", userWaId)
                .bind("unanswered", unanswered)
                .bind("strikes", unanswered ? 1 : 0)
                .bind("lastUnanswered", unanswered ? Rows.at(at) : null)
                .bind("at", Rows.at(at))
                .execute());
    }

    /** Makes the user's held recipients on this number's running batches due now, and wakes the dispatchers. */
    private static void wake(
            Handle handle,
            WorkspaceId workspace,
            String phoneNumberId,
            String userWaId,
            List<HoldReason> reasons,
            Instant at) {
        int woken = handle.createUpdate("""
                        UPDATE recipients r SET next_attempt_at = :at, hold_reason = NULL, updated_at = :at
                        FROM batches b
                        WHERE b.workspace_id = :workspaceId AND b.phone_number_id = :phoneNumberId
                          AND b.status IN ('pending', 'in_progress')
                          AND r.workspace_id = b.workspace_id AND r.batch_id = b.id AND r.pending
                          AND r.whatsapp_user_id = :userWaId AND r.hold_reason = ANY(:reasons)""")
                .bind("workspaceId", workspace.value())
                .bind("phoneNumberId", phoneNumberId)
                .bind("userWaId", userWaId)
                .bindArray(
                        "reasons",
                        String.class,
                        reasons.stream().map(HoldReason::wireName).toList())
                .bind("at", Rows.at(at))
                .execute();
        if (woken > 0) {
            handle.execute("SELECT pg_notify('" + Notifications.WAKE + "', '')");
        }
    }
}
