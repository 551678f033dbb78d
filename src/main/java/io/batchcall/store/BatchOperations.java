package io.batchcall.store;

import io.batchcall.domain.Batch;
import io.batchcall.domain.BatchEdit;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.BatchStatus;
import io.batchcall.domain.BatchSummary;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.Recipient;
import io.batchcall.domain.RecipientStatus;
import io.batchcall.domain.RecipientsRefused;
import io.batchcall.domain.StateConflict;
import io.batchcall.domain.WorkspaceId;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Operating a batch while it runs (issue 14): pause and resume, edit, append recipients, cancel one recipient.
 * Each change runs in one transaction under an optional Idempotency-Key, holds the workspace's lock and then the
 * batch row's (the lock order of every lifecycle write), and writes its events to the outbox with it.
 */
public final class BatchOperations {
    private final org.jdbi.v3.core.Jdbi jdbi;
    private final IdempotencyStore idempotency;
    private final Outbox outbox;

    public BatchOperations(Database database, IdempotencyStore idempotency, IdSource ids) {
        this.jdbi = database.jdbi();
        this.idempotency = idempotency;
        this.outbox = new Outbox(ids);
    }

    /**
     * Pauses a batch: no claim takes its recipients (the claim's own statement skips it) and no claimed attempt of
     * it is dialed once this returns (the dialer asks the database right before each dial). A paused batch is
     * returned unchanged; a finished one is a conflict. Empty when there is no such batch.
     */
    public Idempotent<Optional<BatchSummary>> pause(
            WorkspaceId workspace, String batchId, Optional<IdempotencyClaim> claim) {
        return idempotency.inTransaction(workspace, claim, batchId, (handle, now) -> {
            var status = runningStatus(handle, workspace, batchId, claim, "paused");
            if (status.isEmpty()) {
                return Optional.empty();
            }
            if (setPaused(handle, workspace, batchId, Optional.of(now), now)) {
                append(handle, workspace, batchId, "batch.paused", status.get(), now);
            }
            return BatchRows.summary(handle, workspace, batchId);
        });
    }

    /** Resumes a paused batch where it stopped: its pending recipients are claimed again. */
    public Idempotent<Optional<BatchSummary>> resume(
            WorkspaceId workspace, String batchId, Optional<IdempotencyClaim> claim) {
        return idempotency.inTransaction(workspace, claim, batchId, (handle, now) -> {
            var status = runningStatus(handle, workspace, batchId, claim, "resumed");
            if (status.isEmpty()) {
                return Optional.empty();
            }
            if (setPaused(handle, workspace, batchId, Optional.empty(), now)) {
                append(handle, workspace, batchId, "batch.resumed", status.get(), now);
                BatchStore.notify(handle, Notifications.WAKE, "");
            }
            return BatchRows.summary(handle, workspace, batchId);
        });
    }

    /**
     * Changes what may change while a batch runs; the next claim reads the new values, so they apply to the next
     * dial. The schedule only moves before the batch started.
     */
    public Idempotent<Optional<BatchSummary>> edit(
            WorkspaceId workspace, String batchId, BatchEdit edit, Optional<IdempotencyClaim> claim) {
        return idempotency.inTransaction(workspace, claim, batchId, (handle, now) -> {
            var status = runningStatus(handle, workspace, batchId, claim, "edited");
            if (status.isEmpty()) {
                return Optional.empty();
            }
            if (edit.scheduledAt().isPresent() && status.get() != BatchStatus.PENDING) {
                throw new StateConflict(
                        "batch_already_started",
                        "The batch has already started; its scheduled_time_unix can no longer change");
            }
            handle.createUpdate("""
                            UPDATE batches SET name = coalesce(:name, name),
                                target_concurrency_limit = CASE WHEN :setTarget THEN :target
                                                                ELSE target_concurrency_limit END,
                                scheduled_at = coalesce(:scheduledAt, scheduled_at),
                                ringing_timeout_secs = coalesce(:ringingTimeout, ringing_timeout_secs),
                                retry_policy = CASE WHEN :setRetryPolicy THEN CAST(:retryPolicy AS jsonb)
                                                    ELSE retry_policy END,
                                updated_at = :now
                            WHERE workspace_id = :workspaceId AND id = :batchId""")
                    .bind("name", edit.name().orElse(null))
                    .bind("setTarget", edit.targetConcurrencyLimit().isPresent())
                    .bind(
                            "target",
                            edit.targetConcurrencyLimit().flatMap(t -> t).orElse(null))
                    // The schedule is kept to the second, as the API shows it (and as submit stores it).
                    .bind(
                            "scheduledAt",
                            edit.scheduledAt()
                                    .map(at -> Rows.at(at.truncatedTo(ChronoUnit.SECONDS)))
                                    .orElse(null))
                    .bind("ringingTimeout", edit.ringingTimeoutSecs().orElse(null))
                    .bind("setRetryPolicy", edit.retryPolicyJson().isPresent())
                    .bind("retryPolicy", edit.retryPolicyJson().flatMap(p -> p).orElse(null))
                    .bind("workspaceId", workspace.value())
                    .bind("batchId", batchId)
                    .bind("now", Rows.at(now))
                    .execute();
            edit.callingWindow().ifPresent(window -> changeWindow(handle, workspace, batchId, window, now));
            append(handle, workspace, batchId, "batch.updated", status.get(), now);
            // A target raised or a schedule brought forward may let a claim take more now.
            BatchStore.notify(handle, Notifications.WAKE, "");
            return BatchRows.summary(handle, workspace, batchId);
        });
    }

    /**
     * Appends recipients to a batch that has not finished, after the ones it has; a recipient whose id, phone
     * number or WhatsApp user the batch already has is refused (with its index), and so is a list that would take
     * the batch past {@link Batch#MAX_RECIPIENTS}. A completed batch is finished too: it is not reopened.
     */
    public Idempotent<Optional<BatchSummary>> appendRecipients(
            WorkspaceId workspace, String batchId, List<NewRecipient> recipients, Optional<IdempotencyClaim> claim) {
        return idempotency.inTransaction(workspace, claim, batchId, (handle, now) -> {
            var status = runningStatus(handle, workspace, batchId, claim, "given more recipients");
            if (status.isEmpty()) {
                return Optional.empty();
            }
            var current =
                    BatchRows.summary(handle, workspace, batchId).orElseThrow().batch();
            if (current.totalScheduled() + recipients.size() > Batch.MAX_RECIPIENTS) {
                throw new RecipientsRefused(List.of(new RecipientsRefused.Refusal(
                        -1,
                        "recipients",
                        "List should have at most " + (Batch.MAX_RECIPIENTS - current.totalScheduled())
                                + " items: the batch has " + current.totalScheduled() + " recipients and takes at most "
                                + Batch.MAX_RECIPIENTS,
                        "too_long")));
            }
            var duplicates = duplicates(handle, workspace, batchId, recipients);
            if (!duplicates.isEmpty()) {
                throw new RecipientsRefused(duplicates);
            }
            int first = handle.createQuery("""
                            SELECT coalesce(max(position), -1) + 1 FROM recipients
                            WHERE workspace_id = :workspaceId AND batch_id = :batchId""")
                    .bind("workspaceId", workspace.value())
                    .bind("batchId", batchId)
                    .mapTo(Integer.class)
                    .one();
            BatchInserts.insertRecipients(handle, workspace, batchId, recipients, first, now);
            handle.createUpdate("""
                            UPDATE batches SET total_scheduled = total_scheduled + :count, updated_at = :now
                            WHERE workspace_id = :workspaceId AND id = :batchId""")
                    .bind("count", recipients.size())
                    .bind("workspaceId", workspace.value())
                    .bind("batchId", batchId)
                    .bind("now", Rows.at(now))
                    .execute();
            append(handle, workspace, batchId, "batch.recipients_added", status.get(), now);
            BatchStore.notify(handle, Notifications.WAKE, "");
            return BatchRows.summary(handle, workspace, batchId);
        });
    }

    /**
     * Cancels one recipient. A pending one (or one claimed and not yet dialed: the dialer's gate then sees it
     * cancelled) becomes cancelled at once and its batch counts it finished, completing when it was the last open
     * one. (A claimed one whose dial request was already out is cancelled at the provider once taken; if it was
     * answered before that, the call goes on while the recipient stays cancelled: a window of a dial's round trip.) A ringing call is cancelled at the provider by the node that holds it (told by a notification) and the
     * recipient becomes cancelled when the call ends; an answered call is left to finish. Empty when there is no
     * such batch or recipient; a final recipient is a conflict.
     */
    public Idempotent<Optional<Recipient>> cancelRecipient(
            WorkspaceId workspace, String batchId, String recipientId, Optional<IdempotencyClaim> claim) {
        return idempotency.inTransaction(workspace, claim, batchId + "/" + recipientId, (handle, now) -> {
            var batchStatus = BatchStore.lockStatus(handle, workspace, batchId);
            var recipient = batchStatus.flatMap(s -> lockRecipient(handle, workspace, batchId, recipientId));
            if (recipient.isEmpty()) {
                IdempotencyStore.unclaim(handle, workspace, claim);
                return Optional.empty();
            }
            var status = recipient.get().status();
            if (status.isFinal()) {
                throw new StateConflict(
                        "recipient_already_finished",
                        "The recipient has already finished (" + status.wireName() + "); there is nothing to cancel");
            }
            var batch = new BatchRef(workspace, batchId);
            switch (status) {
                case PENDING, DISPATCHED -> {
                    handle.createUpdate("""
                                    UPDATE recipients SET status = :cancelled, last_outcome = 'cancelled',
                                        updated_at = :now
                                    WHERE workspace_id = :workspaceId AND batch_id = :batchId AND id = :id""")
                            .bind("cancelled", RecipientStatus.CANCELLED.wireName())
                            .bind("workspaceId", workspace.value())
                            .bind("batchId", batchId)
                            .bind("id", recipientId)
                            .bind("now", Rows.at(now))
                            .execute();
                    var completedFrom = InFlight.finishedWithoutAttempt(handle, batch, 1, now);
                    var events = new ArrayList<>(LifecycleEvents.recipientEvents(
                            handle,
                            List.of(new LifecycleEvents.RecipientMove(
                                    batch, recipientId, status.wireName(), Optional.empty()))));
                    completedFrom.ifPresent(previous -> events.addAll(LifecycleEvents.batchEvents(
                            handle,
                            List.of(new LifecycleEvents.BatchMove(batch, "batch.completed", previous.wireName())))));
                    outbox.append(handle, events, now);
                    if (status == RecipientStatus.DISPATCHED) {
                        // Claimed: the dial gate stops it unless its dial request is already out; then the node
                        // that sent it cancels the call as soon as the provider takes it.
                        notifyRecipientCancelled(handle, workspace, batchId, recipientId);
                    }
                }
                case INITIATED -> notifyRecipientCancelled(handle, workspace, batchId, recipientId);
                default -> {
                    // Answered: left to finish, as a batch cancel leaves answered calls.
                }
            }
            return lockRecipient(handle, workspace, batchId, recipientId);
        });
    }

    /** One recipient of a batch, as it is now. */
    public Optional<Recipient> recipient(WorkspaceId workspace, String batchId, String recipientId) {
        return jdbi.withHandle(handle -> readRecipient(handle, workspace, batchId, recipientId, ""));
    }

    private static void notifyRecipientCancelled(
            Handle handle, WorkspaceId workspace, String batchId, String recipientId) {
        BatchStore.notify(
                handle, Notifications.CANCEL_RECIPIENT, workspace.value() + ":" + batchId + ":" + recipientId);
    }

    private static Optional<Recipient> lockRecipient(
            Handle handle, WorkspaceId workspace, String batchId, String recipientId) {
        return readRecipient(handle, workspace, batchId, recipientId, " FOR NO KEY UPDATE");
    }

    private static Optional<Recipient> readRecipient(
            Handle handle, WorkspaceId workspace, String batchId, String recipientId, String lock) {
        return handle.createQuery("""
                        SELECT batch_id, id, position, phone_number, whatsapp_user_id, client_data::text AS client_data,
                               status, last_outcome, attempt_count, conversation_id, created_at, updated_at,
                               hold_reason, skip_reason, next_attempt_at, timezone, resolved_timezones, timezone_source,
                               region
                        FROM recipients
                        WHERE workspace_id = :workspaceId AND batch_id = :batchId AND id = :id""" + lock)
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("id", recipientId)
                .map(RecipientStore::recipient)
                .findOne();
    }

    /**
     * Sets or clears a batch's calling window, and releases the recipients its old window held (outside_window,
     * holiday): the next claim judges them by the new one. The caller holds the workspace's and batch's locks.
     */
    private static void changeWindow(
            Handle handle,
            WorkspaceId workspace,
            String batchId,
            Optional<BatchEdit.WindowChange> window,
            Instant now) {
        handle.createUpdate("""
                        UPDATE batches SET calling_window = CAST(:window AS jsonb), window_expires_at = :expiresAt
                        WHERE workspace_id = :workspaceId AND id = :batchId""")
                .bind("window", window.map(BatchEdit.WindowChange::json).orElse(null))
                .bind(
                        "expiresAt",
                        window.flatMap(BatchEdit.WindowChange::expiresAt)
                                .map(Rows::at)
                                .orElse(null))
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .execute();
        handle.createUpdate("""
                        UPDATE recipients SET hold_reason = NULL, next_attempt_at = NULL, updated_at = :now
                        WHERE workspace_id = :workspaceId AND batch_id = :batchId AND status = :pending
                          AND hold_reason IN (:outsideWindow, :holiday)""")
                .bind("pending", RecipientStatus.PENDING.wireName())
                .bind("outsideWindow", io.batchcall.domain.HoldReason.OUTSIDE_WINDOW.wireName())
                .bind("holiday", io.batchcall.domain.HoldReason.HOLIDAY.wireName())
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("now", Rows.at(now))
                .execute();
    }

    /** The batch's status, locked; empty (and the key given back) when there is none; a finished batch refused. */
    private static Optional<BatchStatus> runningStatus(
            Handle handle, WorkspaceId workspace, String batchId, Optional<IdempotencyClaim> claim, String what) {
        var status = BatchStore.lockStatus(handle, workspace, batchId);
        if (status.isEmpty()) {
            IdempotencyStore.unclaim(handle, workspace, claim);
            return Optional.empty();
        }
        if (status.get().isFinal()) {
            throw new StateConflict(
                    "batch_already_finished",
                    "The batch has already finished (" + status.get().wireName() + "); it cannot be " + what);
        }
        BatchStore.refuseSingleCall(handle, workspace, batchId, what);
        return status;
    }

    private static boolean setPaused(
            Handle handle, WorkspaceId workspace, String batchId, Optional<Instant> pausedAt, Instant now) {
        return handle.createUpdate("""
                        UPDATE batches SET paused_at = :pausedAt, updated_at = :now
                        WHERE workspace_id = :workspaceId AND id = :batchId
                          AND (paused_at IS NULL) = :pausing""")
                        .bind("pausedAt", pausedAt.map(Rows::at).orElse(null))
                        .bind("pausing", pausedAt.isPresent())
                        .bind("workspaceId", workspace.value())
                        .bind("batchId", batchId)
                        .bind("now", Rows.at(now))
                        .execute()
                == 1;
    }

    private void append(
            Handle handle, WorkspaceId workspace, String batchId, String type, BatchStatus status, Instant now) {
        outbox.append(
                handle,
                LifecycleEvents.batchEvents(
                        handle,
                        List.of(new LifecycleEvents.BatchMove(
                                new BatchRef(workspace, batchId), type, status.wireName()))),
                now);
    }

    /** The appended recipients whose id, number or WhatsApp user the batch already has, by index. */
    private static List<RecipientsRefused.Refusal> duplicates(
            Handle handle, WorkspaceId workspace, String batchId, List<NewRecipient> recipients) {
        var existing = handle.createQuery("""
                        SELECT id, phone_number, whatsapp_user_id FROM recipients
                        WHERE workspace_id = :workspaceId AND batch_id = :batchId
                          AND (id = ANY(:ids) OR phone_number = ANY(:phones) OR whatsapp_user_id = ANY(:users))""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bindArray(
                        "ids",
                        String.class,
                        recipients.stream().map(NewRecipient::id).toList())
                .bindArray(
                        "phones",
                        String.class,
                        recipients.stream()
                                .flatMap(r -> r.phoneNumber().stream())
                                .toList())
                .bindArray(
                        "users",
                        String.class,
                        recipients.stream()
                                .flatMap(r -> r.whatsappUserId().stream())
                                .toList())
                .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)})
                .list();
        Map<String, java.util.Set<String>> taken = new HashMap<>();
        for (var row : existing) {
            taken.computeIfAbsent("id", k -> new java.util.HashSet<>()).add(row[0]);
            if (row[1] != null) {
                taken.computeIfAbsent("phone_number", k -> new java.util.HashSet<>())
                        .add(row[1]);
            }
            if (row[2] != null) {
                taken.computeIfAbsent("whatsapp_user_id", k -> new java.util.HashSet<>())
                        .add(row[2]);
            }
        }
        var refusals = new ArrayList<RecipientsRefused.Refusal>();
        for (int i = 0; i < recipients.size(); i++) {
            var r = recipients.get(i);
            var values = new java.util.LinkedHashMap<String, Optional<String>>();
            values.put("id", Optional.of(r.id()));
            values.put("phone_number", r.phoneNumber());
            values.put("whatsapp_user_id", r.whatsappUserId());
            for (var field : values.entrySet()) {
                var value = field.getValue();
                if (value.isPresent()
                        && taken.getOrDefault(field.getKey(), java.util.Set.of())
                                .contains(value.get())) {
                    refusals.add(new RecipientsRefused.Refusal(
                            i,
                            field.getKey(),
                            "Value error, duplicate "
                                    + field.getKey().replace('_', ' ') + ": the batch already has a recipient with "
                                    + value.get(),
                            "value_error"));
                }
            }
        }
        return refusals;
    }
}
