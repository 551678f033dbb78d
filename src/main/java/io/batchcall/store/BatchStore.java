package io.batchcall.store;

import io.batchcall.domain.Batch;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.BatchStatus;
import io.batchcall.domain.BatchSummary;
import io.batchcall.domain.CallingWindows;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewBatch;
import io.batchcall.domain.StateConflict;
import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Batches and the use cases that change them with their recipients: submit, cancel, retry, delete. */
public final class BatchStore {
    private final Jdbi jdbi;
    private final Clock clock;
    private final IdSource ids;
    private final IdempotencyStore idempotency;
    private final Outbox outbox;
    private final SubmitHolds holds;

    /** Without calling windows at submit: every recipient is judged by its first claim. */
    public BatchStore(Database database, Clock clock, IdSource ids, IdempotencyStore idempotency) {
        this(database, clock, ids, idempotency, CallingWindows.NONE);
    }

    /**
     * With the claim's calling windows, so that a batch due at once has the recipients its window holds written held
     * by the submit (see {@link SubmitHolds}).
     */
    public BatchStore(
            Database database, Clock clock, IdSource ids, IdempotencyStore idempotency, CallingWindows windows) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.ids = ids;
        this.idempotency = idempotency;
        this.outbox = new Outbox(ids);
        this.holds = new SubmitHolds(windows);
    }

    /** A page of batches, newest first, and whether more follow. */
    public record Page(List<BatchSummary> batches, boolean hasMore) {}

    /** Where a page starts: just after the batch with this creation time and id. */
    public record Position(Instant createdAt, String id) {}

    /** Stores a batch and all its recipients in one transaction (recipients in one statement, not row by row). */
    public Idempotent<BatchSummary> submit(WorkspaceId workspace, NewBatch batch, Optional<IdempotencyClaim> claim) {
        return submit(workspace, batch, RecipientFeed.none(), claim);
    }

    /**
     * Stores a batch with its recipients (those of {@code batch}, then those {@code later} brings, each run in one
     * statement) in one transaction, which starts at once and commits when the feed ends: a large submit's rows are
     * inserted while the rest of its body is still being checked. An abandoned feed rolls it back and is thrown as
     * {@link RecipientFeed.Abandon}; nothing is stored.
     */
    public Idempotent<BatchSummary> submit(
            WorkspaceId workspace, NewBatch batch, RecipientFeed later, Optional<IdempotencyClaim> claim) {
        var batchId = ids.next(Batch.ID_PREFIX);
        try {
            return stored(workspace, batch, later, claim, batchId);
        } finally {
            later.afterTransaction();
        }
    }

    private Idempotent<BatchSummary> stored(
            WorkspaceId workspace,
            NewBatch batch,
            RecipientFeed later,
            Optional<IdempotencyClaim> claim,
            String batchId) {
        return idempotency.inTransaction(workspace, claim, batchId, (handle, now) -> {
            // The agent and number were looked up before this transaction; lock them (FOR SHARE) and look again, so
            // that a delete racing this submit either sees the new batch (and refuses) or is seen here.
            BatchInserts.requireLive(handle, workspace, "agents", batch.agentId(), "agent");
            batch.phoneNumberId()
                    .ifPresent(number ->
                            BatchInserts.requireLive(handle, workspace, "phone_numbers", number, "phone number"));
            int first = batch.recipients().size();
            BatchInserts.insertBatch(handle, workspace, batchId, batch, first + later.total(), now);
            BatchInserts.insertRecipients(handle, workspace, batchId, batch.recipients(), now);
            later.drain(
                    (run, offset) ->
                            BatchInserts.insertRecipients(handle, workspace, batchId, run, first + offset, now),
                    RecipientFeed.PATIENCE);
            BatchTransitions.created(handle, outbox, workspace, batchId, now);
            outbox.append(handle, holds.hold(handle, workspace, batchId, batch, now), now);
            PlannerStatistics.afterRecipientsChanged(handle, first + later.total());
            notify(handle, Notifications.WAKE, "");
            return BatchRows.summary(handle, workspace, batchId).orElseThrow();
        });
    }

    public Optional<BatchSummary> find(WorkspaceId workspace, String batchId) {
        return jdbi.withHandle(handle -> BatchRows.summary(handle, workspace, batchId));
    }

    /** Newest first (creation time, then id), starting after {@code after}; optionally one agent's only. */
    public Page list(WorkspaceId workspace, Optional<String> agentId, Optional<Position> after, int limit) {
        // Only the conditions that apply are in the text: an "x IS NULL OR ..." guard would keep PostgreSQL from
        // seeking the (created_at, id) index to the cursor, and deep pages would scan.
        // Single outbound calls are hidden one-recipient batches (origin 'single'): not listed among batches.
        var sql = BatchRows.SUMMARY + "WHERE b.workspace_id = :workspaceId AND b.origin = 'batch'"
                + (agentId.isPresent() ? " AND b.agent_id = :agentId" : "")
                + (after.isPresent() ? " AND (b.created_at, b.id) < (:afterCreatedAt, :afterId)" : "")
                + " ORDER BY b.created_at DESC, b.id DESC LIMIT :limit";
        var rows = jdbi.withHandle(handle -> {
            var query = handle.createQuery(sql)
                    .bind("workspaceId", workspace.value())
                    .bind("limit", limit + 1);
            agentId.ifPresent(agent -> query.bind("agentId", agent));
            after.ifPresent(position ->
                    query.bind("afterCreatedAt", Rows.at(position.createdAt())).bind("afterId", position.id()));
            return query.map(BatchRows::batchSummary).list();
        });
        return rows.size() > limit ? new Page(rows.subList(0, limit), true) : new Page(rows, false);
    }

    /**
     * Cancels a pending or running batch: recipients not yet dialed become cancelled. A cancelled batch is
     * returned unchanged; a finished one is a conflict. Empty when there is no such batch.
     */
    public Idempotent<Optional<BatchSummary>> cancel(
            WorkspaceId workspace, String batchId, Optional<IdempotencyClaim> claim) {
        return idempotency.inTransaction(workspace, claim, batchId, (handle, now) -> {
            var status = lockStatus(handle, workspace, batchId);
            if (status.isEmpty()) {
                IdempotencyStore.unclaim(handle, workspace, claim);
                return Optional.empty();
            }
            switch (status.get()) {
                case CANCELLED -> {
                    return BatchRows.summary(handle, workspace, batchId);
                }
                case COMPLETED, FAILED ->
                    throw new StateConflict(
                            "batch_already_finished",
                            "The batch has already finished (" + status.get().wireName()
                                    + "); there is nothing to cancel");
                case PENDING, IN_PROGRESS -> {
                    BatchTransitions.cancel(handle, outbox, workspace, batchId, status.get(), now);
                    notify(handle, Notifications.CANCEL, stopped(workspace, batchId, false));
                    return BatchRows.summary(handle, workspace, batchId);
                }
                default -> throw new IllegalStateException("unhandled status " + status.get());
            }
        });
    }

    /**
     * Sends failed and voicemail recipients back to pending and counts one more retry; the batch runs again.
     * Empty when there is no such batch.
     */
    public Idempotent<Optional<BatchSummary>> retry(
            WorkspaceId workspace, String batchId, Optional<IdempotencyClaim> claim) {
        return idempotency.inTransaction(workspace, claim, batchId, (handle, now) -> {
            var status = lockStatus(handle, workspace, batchId);
            if (status.isEmpty()) {
                IdempotencyStore.unclaim(handle, workspace, claim);
                return Optional.empty();
            }
            if (status.get() == BatchStatus.CANCELLED) {
                throw new StateConflict("batch_cancelled", "A cancelled batch cannot be retried");
            }
            refuseSingleCall(handle, workspace, batchId, "retried");
            int retried = BatchTransitions.retry(handle, outbox, workspace, batchId, status.get(), now);
            if (retried == 0) {
                throw new StateConflict("nothing_to_retry", "No recipient of this batch failed or reached voicemail");
            }
            PlannerStatistics.afterRecipientsChanged(handle, retried);
            notify(handle, Notifications.WAKE, "");
            return BatchRows.summary(handle, workspace, batchId);
        });
    }

    /**
     * Deletes a batch with its recipients and attempts; false when there is no such batch. Its calls in flight
     * stop counting against the workspace's and agents' limits at once, and every node is told to stop them.
     */
    public boolean delete(WorkspaceId workspace, String batchId) {
        return jdbi.inTransaction(handle -> {
            AttemptStore.lockWorkspace(handle, workspace);
            // Lock order as every lifecycle write: workspace, then attempts, then the batch (its DELETE below).
            // Locking the batch row before the attempts deadlocked with the call-event writer.
            InFlight.batchDeleted(handle, workspace, batchId);
            var doomed = handle.createQuery("""
                            SELECT status, agent_id FROM batches WHERE workspace_id = :workspaceId AND id = :batchId""")
                    .bind("workspaceId", workspace.value())
                    .bind("batchId", batchId)
                    .map((rs, ctx) -> Map.entry(
                            BatchStatus.fromWire(rs.getString("status")).orElseThrow(), rs.getString("agent_id")))
                    .findOne();
            if (doomed.isEmpty()) {
                return false;
            }
            outbox.append(
                    handle,
                    List.of(LifecycleEvents.batchDeleted(
                            new BatchRef(workspace, batchId),
                            doomed.get().getValue(),
                            doomed.get().getKey())),
                    clock.instant());
            // Its dials still count against frequency caps and daily limits after it is gone.
            DeletedDials.keep(handle, workspace, batchId, clock.instant());
            boolean deleted =
                    handle.createUpdate("DELETE FROM batches WHERE workspace_id = :workspaceId AND id = :batchId")
                                    .bind("workspaceId", workspace.value())
                                    .bind("batchId", batchId)
                                    .execute()
                            == 1;
            if (deleted) {
                notify(handle, Notifications.CANCEL, stopped(workspace, batchId, true));
                notify(handle, Notifications.WAKE, "");
            }
            return deleted;
        });
    }

    /**
     * A single outbound call is stored as a hidden one-recipient batch; the batch controls that would dial it again
     * or change it are refused (placing a new call is what a caller of the single-call API does).
     */
    static void refuseSingleCall(Handle handle, WorkspaceId workspace, String batchId, String verb) {
        boolean single = handle.createQuery("""
                        SELECT origin = 'single' FROM batches WHERE workspace_id = :workspaceId AND id = :batchId""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .mapTo(Boolean.class)
                .findOne()
                .orElse(false);
        if (single) {
            throw new StateConflict(
                    "single_call",
                    "This is a single outbound call, not a batch: it cannot be " + verb + "; place a new call instead");
        }
    }

    /** The payload of a CANCEL notification: which batch, and whether it was deleted (answered calls end too). */
    public static String stopped(WorkspaceId workspace, String batchId, boolean deleted) {
        return workspace.value() + ":" + batchId + ":" + (deleted ? "deleted" : "cancelled");
    }

    static void notify(Handle handle, String channel, String payload) {
        handle.createQuery("SELECT pg_notify(:channel, :payload)")
                .bind("channel", channel)
                .bind("payload", payload)
                .mapTo(String.class)
                .findOne();
    }

    /**
     * Locks the batch row for the rest of the transaction, so that changes to one batch run one at a time; its
     * workspace first, the lock order of every lifecycle write (a cancel moving recipients while the call-event
     * writer settles the same batch would otherwise wait on each other's rows).
     */
    static Optional<BatchStatus> lockStatus(Handle handle, WorkspaceId workspace, String batchId) {
        AttemptStore.lockWorkspace(handle, workspace);
        return handle.createQuery("""
                        SELECT status FROM batches WHERE workspace_id = :workspaceId AND id = :batchId FOR NO KEY UPDATE""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .mapTo(String.class)
                .findOne()
                .map(status -> BatchStatus.fromWire(status).orElseThrow());
    }
}
