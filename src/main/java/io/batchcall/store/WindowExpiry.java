package io.batchcall.store;

import io.batchcall.domain.BatchRef;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.SkipReason;
import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * The calling window's expiry ({@code calling_window.expires_at_unix}): once it passed, a batch's recipients still
 * waiting end {@code cancelled} with skip_reason {@code window_expired} (the claim does the same to any it picks
 * first), and the batch completes when nothing else of it is open. Calls in flight finish as they would.
 */
public final class WindowExpiry {
    /** The most recipients one transaction cancels, to keep it short; the sweep goes on until none is left. */
    static final int MAX_PER_TRANSACTION = 1_000;

    private final Jdbi jdbi;
    private final Clock clock;
    private final Outbox outbox;

    public WindowExpiry(Database database, Clock clock, IdSource ids) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.outbox = new Outbox(ids);
    }

    /** One sweep over every workspace; returns how many recipients it cancelled. */
    public int sweep() {
        var now = clock.instant();
        var due = new LinkedHashMap<WorkspaceId, List<String>>();
        jdbi.useHandle(handle -> handle.createQuery("""
                        SELECT workspace_id, id FROM batches
                        WHERE window_expires_at IS NOT NULL AND window_expires_at <= :now
                          AND status IN ('pending', 'in_progress')
                        ORDER BY workspace_id, id""")
                .bind("now", Rows.at(now))
                .map((rs, ctx) -> new BatchRef(new WorkspaceId(rs.getString(1)), rs.getString(2)))
                .forEach(batch -> due.computeIfAbsent(batch.workspaceId(), w -> new ArrayList<>())
                        .add(batch.batchId())));
        int cancelled = 0;
        for (var entry : due.entrySet()) {
            int done;
            do {
                done = expire(entry.getKey(), entry.getValue());
                cancelled += done;
            } while (done == MAX_PER_TRANSACTION);
        }
        return cancelled;
    }

    /** Cancels up to {@link #MAX_PER_TRANSACTION} waiting recipients of a workspace's expired batches. */
    private int expire(WorkspaceId workspace, List<String> batchIds) {
        return jdbi.inTransaction(handle -> {
            // The workspace first: the lock order of every writer of recipients' statuses and batches' counters.
            AttemptStore.lockWorkspace(handle, workspace);
            var now = clock.instant();
            var skips = handle.createQuery("""
                            SELECT r.batch_id, r.id FROM recipients r
                            JOIN batches b ON b.workspace_id = r.workspace_id AND b.id = r.batch_id
                            WHERE r.workspace_id = :workspaceId AND r.batch_id = ANY(:batchIds)
                              AND r.pending AND b.window_expires_at <= :now
                              AND b.status IN ('pending', 'in_progress')
                            ORDER BY r.batch_id, r.id
                            LIMIT :limit""")
                    .bind("workspaceId", workspace.value())
                    .bindArray("batchIds", String.class, batchIds)
                    .bind("now", Rows.at(now))
                    .bind("limit", MAX_PER_TRANSACTION)
                    .map((rs, ctx) -> new RecipientSkips.Skip(
                            new BatchRef(workspace, rs.getString(1)), rs.getString(2), SkipReason.WINDOW_EXPIRED))
                    .list();
            outbox.append(handle, RecipientSkips.skip(handle, skips, now), now);
            return skips.size();
        });
    }
}
