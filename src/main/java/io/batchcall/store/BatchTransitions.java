package io.batchcall.store;

import io.batchcall.domain.BatchRef;
import io.batchcall.domain.BatchStatus;
import io.batchcall.domain.RecipientStatus;
import io.batchcall.domain.WorkspaceId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The batch-wide moves of the lifecycle, each in the caller's transaction with its events: a batch fails (its
 * number cannot dial), is cancelled, or is retried, and its recipients not yet dialed (or its failed ones) move
 * with it. The allowed moves come from {@link BatchStatus} and {@link RecipientStatus}.
 */
final class BatchTransitions {
    private BatchTransitions() {}

    /**
     * Fails a running batch: recipients not yet dialed fail with it; calls in flight finish on their own. False when
     * the batch was not running.
     */
    static boolean fail(
            Handle handle, Outbox outbox, WorkspaceId workspace, String batchId, String reason, Instant now) {
        var batch = new BatchRef(workspace, batchId);
        var previous = previousStatus(handle, batch, BatchStatus.FAILED);
        if (previous.isEmpty()) {
            return false;
        }
        var moved = moveRecipients(
                handle, batch, RecipientStatus.PENDING, RecipientStatus.FAILED, Optional.of("failed"), now);
        handle.createUpdate("""
                        UPDATE batches SET status = :failed, failure_reason = :reason,
                            total_finished = total_finished + :moved, updated_at = :now
                        WHERE workspace_id = :workspaceId AND id = :batchId""")
                .bind("failed", BatchStatus.FAILED.wireName())
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("reason", reason)
                .bind("moved", moved.size())
                .bind("now", Rows.at(now))
                .execute();
        append(handle, outbox, moved, new LifecycleEvents.BatchMove(batch, "batch.failed", previous.get()), now);
        return true;
    }

    /** Cancels a running batch (the caller holds its row): recipients not yet dialed are cancelled. */
    static void cancel(
            Handle handle, Outbox outbox, WorkspaceId workspace, String batchId, BatchStatus previous, Instant now) {
        var batch = new BatchRef(workspace, batchId);
        var moved = moveRecipients(
                handle, batch, RecipientStatus.PENDING, RecipientStatus.CANCELLED, Optional.of("cancelled"), now);
        handle.createUpdate("""
                        UPDATE batches SET status = :cancelled, total_finished = total_finished + :moved,
                            updated_at = :now
                        WHERE workspace_id = :workspaceId AND id = :batchId AND status = ANY(:from)""")
                .bind("cancelled", BatchStatus.CANCELLED.wireName())
                .bindArray("from", String.class, BatchStatus.from(BatchStatus.CANCELLED))
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("moved", moved.size())
                .bind("now", Rows.at(now))
                .execute();
        append(
                handle,
                outbox,
                moved,
                new LifecycleEvents.BatchMove(batch, "batch.cancelled", previous.wireName()),
                now);
    }

    /**
     * Sends failed and voicemail recipients back to pending (their next dial is a new attempt) and the batch back
     * to running; returns how many recipients, 0 when none could be retried.
     */
    static int retry(
            Handle handle, Outbox outbox, WorkspaceId workspace, String batchId, BatchStatus previous, Instant now) {
        var batch = new BatchRef(workspace, batchId);
        var moved = handle.createQuery("""
                        UPDATE recipients r SET status = :pending, next_attempt_at = NULL, updated_at = :now
                        FROM (SELECT id, status AS previous FROM recipients
                              WHERE workspace_id = :workspaceId AND batch_id = :batchId AND status = ANY(:retryable)) p
                        WHERE r.workspace_id = :workspaceId AND r.batch_id = :batchId AND r.id = p.id
                        RETURNING r.id, p.previous""")
                .bind("pending", RecipientStatus.PENDING.wireName())
                .bindArray(
                        "retryable",
                        String.class,
                        java.util.Arrays.stream(RecipientStatus.values())
                                .filter(RecipientStatus::isRetryable)
                                .map(RecipientStatus::wireName)
                                .toList())
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("now", Rows.at(now))
                .map((rs, ctx) -> new LifecycleEvents.RecipientMove(
                        batch, rs.getString("id"), rs.getString("previous"), Optional.empty()))
                .list();
        if (moved.isEmpty()) {
            return 0;
        }
        handle.createUpdate("""
                        UPDATE batches SET retry_count = retry_count + 1, total_finished = total_finished - :moved,
                            status = CASE WHEN status = :pending THEN status ELSE :inProgress END,
                            failure_reason = NULL, updated_at = :now
                        WHERE workspace_id = :workspaceId AND id = :batchId""")
                .bind("pending", BatchStatus.PENDING.wireName())
                .bind("inProgress", BatchStatus.IN_PROGRESS.wireName())
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("moved", moved.size())
                .bind("now", Rows.at(now))
                .execute();
        append(handle, outbox, moved, new LifecycleEvents.BatchMove(batch, "batch.retried", previous.wireName()), now);
        return moved.size();
    }

    /** {@code batch.created}, in the submit's transaction. */
    static void created(Handle handle, Outbox outbox, WorkspaceId workspace, String batchId, Instant now) {
        outbox.append(
                handle,
                LifecycleEvents.batchEvents(
                        handle,
                        List.of(new LifecycleEvents.BatchMove(
                                new BatchRef(workspace, batchId), "batch.created", null))),
                now);
    }

    /** {@code batch.started}: batches that left pending with their first claim. */
    static List<Outbox.Event> started(Handle handle, WorkspaceId workspace, List<String> batchIds) {
        return LifecycleEvents.batchEvents(
                handle,
                batchIds.stream()
                        .map(id -> new LifecycleEvents.BatchMove(
                                new BatchRef(workspace, id), "batch.started", BatchStatus.PENDING.wireName()))
                        .toList());
    }

    private static Optional<String> previousStatus(Handle handle, BatchRef batch, BatchStatus next) {
        return handle.createQuery("""
                        SELECT status FROM batches
                        WHERE workspace_id = :workspaceId AND id = :batchId AND status = ANY(:from)
                        FOR NO KEY UPDATE""")
                .bind("workspaceId", batch.workspaceId().value())
                .bind("batchId", batch.batchId())
                .bindArray("from", String.class, BatchStatus.from(next))
                .mapTo(String.class)
                .findOne();
    }

    private static List<LifecycleEvents.RecipientMove> moveRecipients(
            Handle handle,
            BatchRef batch,
            RecipientStatus from,
            RecipientStatus to,
            Optional<String> outcome,
            Instant now) {
        if (!from.canMoveTo(to)) {
            throw new IllegalArgumentException(from + " cannot move to " + to);
        }
        return handle.createQuery("""
                        UPDATE recipients SET status = :to, last_outcome = coalesce(:outcome, last_outcome),
                            updated_at = :now
                        WHERE workspace_id = :workspaceId AND batch_id = :batchId AND status = :from
                        RETURNING id""")
                .bind("to", to.wireName())
                .bind("from", from.wireName())
                .bind("outcome", outcome.orElse(null))
                .bind("workspaceId", batch.workspaceId().value())
                .bind("batchId", batch.batchId())
                .bind("now", Rows.at(now))
                .map((rs, ctx) ->
                        new LifecycleEvents.RecipientMove(batch, rs.getString("id"), from.wireName(), Optional.empty()))
                .list();
    }

    private static void append(
            Handle handle,
            Outbox outbox,
            List<LifecycleEvents.RecipientMove> moved,
            LifecycleEvents.BatchMove batchMove,
            Instant now) {
        var events = new ArrayList<>(LifecycleEvents.recipientEvents(handle, moved));
        events.addAll(LifecycleEvents.batchEvents(handle, List.of(batchMove)));
        outbox.append(handle, events, now);
    }
}
