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
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Operating a batch while it runs (issue 14): pause and resume, edit, append recipients, cancel one recipient.
 * Each change runs in one transaction under an optional Idempotency-Key, holds the workspace's lock and then the
 * batch row's (the lock order of every lifecycle write), and writes its events to the outbox with it.
 */
public final class BatchOperations {
    private final IdempotencyStore idempotency;
    private final Outbox outbox;
    private final RecipientCancellation cancellation;

    public BatchOperations(Database database, IdempotencyStore idempotency, IdSource ids) {
        this.idempotency = idempotency;
        this.outbox = new Outbox(ids);
        this.cancellation = new RecipientCancellation(database.jdbi(), idempotency, outbox);
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
            if (edit.changesNothing()) {
                // No batch.updated event for an edit that changed nothing: a webhook receiver would act on it.
                return BatchRows.summary(handle, workspace, batchId);
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
                                scheduled_at = CASE WHEN CAST(:scheduledAt AS timestamptz) IS NULL THEN scheduled_at
                                                    -- A past time means now, as a submit reads it.
                                                    ELSE GREATEST(CAST(:scheduledAt AS timestamptz),
                                                                  date_trunc('second', CAST(:now AS timestamptz)))
                                               END,
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
            var duplicates = RecipientDuplicates.in(handle, workspace, batchId, recipients);
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
            PlannerStatistics.afterRecipientsChanged(handle, recipients.size());
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
        return cancellation.cancelRecipient(workspace, batchId, recipientId, claim);
    }

    /** One recipient of a batch, as it is now. */
    public Optional<Recipient> recipient(WorkspaceId workspace, String batchId, String recipientId) {
        return cancellation.recipient(workspace, batchId, recipientId);
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
}
