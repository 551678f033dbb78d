package io.batchcall.store;

import io.batchcall.domain.BatchRef;
import io.batchcall.domain.Recipient;
import io.batchcall.domain.RecipientStatus;
import io.batchcall.domain.StateConflict;
import io.batchcall.domain.WorkspaceId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Cancelling one recipient of a running batch, and reading it back: the one operation on a batch that moves a
 * recipient rather than the batch, so it locks and reads the recipient's row and tells the node holding its call.
 * It holds the workspace's lock, then the batch row's, then the recipient's (the lock order of every lifecycle
 * write), in one transaction.
 */
final class RecipientCancellation {
    private final Jdbi jdbi;
    private final IdempotencyStore idempotency;
    private final Outbox outbox;

    RecipientCancellation(Jdbi jdbi, IdempotencyStore idempotency, Outbox outbox) {
        this.jdbi = jdbi;
        this.idempotency = idempotency;
        this.outbox = outbox;
    }

    /** As {@link BatchOperations#cancelRecipient}, which tells what each status of the recipient leads to. */
    Idempotent<Optional<Recipient>> cancelRecipient(
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
                case INITIATED -> {
                    // Ringing: the node holding the call cancels it. The request is kept on the row for a node that
                    // misses the notification (reconnecting, or taking the call over later), and so that the call's
                    // end schedules no retry.
                    handle.createUpdate("""
                                    UPDATE recipients SET cancel_requested_at = coalesce(cancel_requested_at, :now)
                                    WHERE workspace_id = :workspaceId AND batch_id = :batchId AND id = :id""")
                            .bind("workspaceId", workspace.value())
                            .bind("batchId", batchId)
                            .bind("id", recipientId)
                            .bind("now", Rows.at(now))
                            .execute();
                    notifyRecipientCancelled(handle, workspace, batchId, recipientId);
                }
                default -> {
                    // Answered: left to finish, as a batch cancel leaves answered calls.
                }
            }
            return lockRecipient(handle, workspace, batchId, recipientId);
        });
    }

    /** One recipient of a batch, as it is now. */
    Optional<Recipient> recipient(WorkspaceId workspace, String batchId, String recipientId) {
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
}
