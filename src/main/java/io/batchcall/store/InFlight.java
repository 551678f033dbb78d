package io.batchcall.store;

import io.batchcall.domain.BatchRef;
import io.batchcall.domain.BatchStatus;
import io.batchcall.domain.Claim;
import io.batchcall.domain.WorkspaceId;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;

/**
 * The one place that moves the in-flight counts of workspaces, agents and batches (what the concurrency limits
 * are enforced against) and completes batches (decided by the same counts: a batch completes when its finished
 * count reaches its recipients). Claims add, ends and deletions take away, always inside the transaction that changes the
 * attempts themselves, and always in the lock order workspaces, agents, batches (sorted within each), so that
 * concurrent transactions wait for each other instead of deadlocking. An architecture test keeps other code from
 * writing these columns.
 */
final class InFlight {
    private InFlight() {}

    /** Batches in lock order. */
    static final java.util.Comparator<BatchRef> BATCH_ORDER = java.util.Comparator.comparing(
                    (BatchRef b) -> b.workspaceId().value())
            .thenComparing(BatchRef::batchId);

    private record AgentKey(String workspaceId, String agentId) {
        static final java.util.Comparator<AgentKey> ORDER =
                java.util.Comparator.comparing(AgentKey::workspaceId).thenComparing(AgentKey::agentId);
    }

    /** An attempt that stops counting: its workspace, agent and batch. */
    record Release(WorkspaceId workspace, String agentId, String batchId) {}

    /**
     * Claims count against the workspace's and agents' limits ({@link #claimedOnBatches} counts them on their
     * batches, which run from their first claim on and count a recipient as dispatched at its first attempt).
     */
    static void claimed(Handle handle, WorkspaceId workspace, List<Claim> claims, Instant now) {
        var perAgent = count(claims, c -> c.agent().id());
        // One statement for the workspace and its agents (their rows are locked by the claim already).
        handle.createUpdate("""
                        WITH workspace_claimed AS (
                            UPDATE workspaces SET in_flight = in_flight + :count WHERE id = :workspaceId)
                        UPDATE agents a SET in_flight = a.in_flight + c.n
                        FROM unnest(:agentIds, :counts) AS c(id, n)
                        WHERE a.workspace_id = :workspaceId AND a.id = c.id""")
                .bind("workspaceId", workspace.value())
                .bind("count", claims.size())
                .bindArray("agentIds", String.class, List.copyOf(perAgent.keySet()))
                .bindArray("counts", Integer.class, List.copyOf(perAgent.values()))
                .execute();
    }

    /**
     * The batches' share of {@link #claimed}: a claim does it last, just before it commits, since groups of call
     * ends write the same rows and each waits for the other from its first write of them to its commit.
     */
    static void claimedOnBatches(Handle handle, WorkspaceId workspace, List<Claim> claims, Instant now) {
        var perBatch = count(claims, Claim::batchId);
        var firstDials =
                count(claims.stream().filter(c -> c.attemptNumber() == 1).toList(), Claim::batchId);
        for (var batch : perBatch.keySet()) {
            handle.createUpdate("""
                            UPDATE batches SET in_flight = in_flight + :count,
                                total_dispatched = total_dispatched + :firstDials,
                                status = :inProgress, last_claimed_at = :now, updated_at = :now
                            WHERE workspace_id = :workspaceId AND id = :batchId""")
                    .bind("workspaceId", workspace.value())
                    .bind("batchId", batch)
                    .bind("count", perBatch.get(batch))
                    .bind("firstDials", firstDials.getOrDefault(batch, 0))
                    .bind("inProgress", BatchStatus.IN_PROGRESS.wireName())
                    .bind("now", Rows.at(now))
                    .execute();
        }
    }

    /**
     * A claim given back before its dial (its batch was paused meanwhile): it stops counting everywhere, and a first
     * attempt no longer counts its recipient as dispatched. The caller holds the workspace's lock.
     */
    static void unclaimed(
            Handle handle, WorkspaceId workspace, String agentId, String batchId, boolean firstDial, Instant now) {
        released(handle, List.of(new Release(workspace, agentId, batchId)));
        handle.createUpdate("""
                        UPDATE batches SET in_flight = in_flight - 1,
                            total_dispatched = total_dispatched - :firstDial, updated_at = :now
                        WHERE workspace_id = :workspaceId AND id = :batchId""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("firstDial", firstDial ? 1 : 0)
                .bind("now", Rows.at(now))
                .execute();
    }

    /**
     * Recipients of a batch became final without an attempt ending (one was cancelled while pending): the batch
     * counts them finished and, when that was its last open recipient, completes (from pending too: a batch whose
     * every recipient was cancelled before its start has nothing left to do). Returns the status it completed from.
     */
    static Optional<BatchStatus> finishedWithoutAttempt(Handle handle, BatchRef batch, int finished, Instant now) {
        return handle.createQuery("""
                        UPDATE batches b SET total_finished = b.total_finished + :finished,
                            status = CASE WHEN b.status = ANY(:completable)
                                               AND b.total_finished + :finished >= b.total_scheduled
                                          THEN :completed ELSE b.status END,
                            updated_at = :now
                        FROM (SELECT status FROM batches WHERE workspace_id = :workspaceId AND id = :batchId) before
                        WHERE b.workspace_id = :workspaceId AND b.id = :batchId
                        RETURNING b.status, before.status AS previous""")
                .bind("finished", finished)
                .bindArray(
                        "completable",
                        String.class,
                        BatchStatus.from(BatchStatus.COMPLETED).stream()
                                .filter(s -> BatchStatus.fromWire(s)
                                        .filter(BatchStatus::isFinal)
                                        .isEmpty())
                                .toList())
                .bind("completed", BatchStatus.COMPLETED.wireName())
                .bind("workspaceId", batch.workspaceId().value())
                .bind("batchId", batch.batchId())
                .bind("now", Rows.at(now))
                .map((rs, ctx) -> BatchStatus.COMPLETED.wireName().equals(rs.getString("status"))
                                && !rs.getString("status").equals(rs.getString("previous"))
                        ? BatchStatus.fromWire(rs.getString("previous"))
                        : Optional.<BatchStatus>empty())
                .one();
    }

    /**
     * Ended attempts stop counting on their workspaces and agents. Their batches are settled by the caller, which
     * writes each batch row once with its finished count too.
     */
    static void released(Handle handle, List<Release> released) {
        if (released.isEmpty()) {
            return;
        }
        var perWorkspace = new TreeMap<String, Integer>();
        var perAgent = new TreeMap<AgentKey, Integer>(AgentKey.ORDER);
        for (var r : released) {
            perWorkspace.merge(r.workspace().value(), 1, Integer::sum);
            perAgent.merge(new AgentKey(r.workspace().value(), r.agentId()), 1, Integer::sum);
        }
        handle.createUpdate("""
                        UPDATE workspaces w SET in_flight = w.in_flight - c.n
                        FROM unnest(:ids, :counts) AS c(id, n) WHERE w.id = c.id""")
                .bindArray("ids", String.class, List.copyOf(perWorkspace.keySet()))
                .bindArray("counts", Integer.class, List.copyOf(perWorkspace.values()))
                .execute();
        handle.createUpdate("""
                        UPDATE agents a SET in_flight = a.in_flight - c.n
                        FROM unnest(:workspaceIds, :ids, :counts) AS c(workspace_id, id, n)
                        WHERE a.workspace_id = c.workspace_id AND a.id = c.id""")
                .bindArray(
                        "workspaceIds",
                        String.class,
                        perAgent.keySet().stream().map(AgentKey::workspaceId).toList())
                .bindArray(
                        "ids",
                        String.class,
                        perAgent.keySet().stream().map(AgentKey::agentId).toList())
                .bindArray("counts", Integer.class, List.copyOf(perAgent.values()))
                .execute();
    }

    /**
     * Ended attempts free their workspaces' and agents' slots without touching those rows: the frees are appended
     * to {@code in_flight_releases}, which the next claim (or single call) folds into the counters under the
     * workspace's lock ({@link #fold}). So a group of ends never waits for a claim holding the workspace, nor a
     * claim for the ends. Until folded, a counter reads high: a limit can only be too strict for that moment.
     *
     * <p>A common table expression for the statement that ends the attempts ({@link AttemptEnds#endAttempts}): it
     * appends one row per workspace and agent of the rows the expression {@code ended} returns, so that an attempt
     * never ends without freeing its slot, and the group spends no statement of its own on it.
     */
    static final String RELEASED_LATER = """
            released AS (
                INSERT INTO in_flight_releases (workspace_id, agent_id, released)
                SELECT workspace_id, agent_id, count(*)::integer FROM ended GROUP BY workspace_id, agent_id)""";

    /**
     * Folds the workspace's committed releases into its and its agents' counters. The caller holds the workspace's
     * lock, which every folder takes first, so a release is folded once; one committed after this statement began
     * is left for the next fold (the counts then read high, never low). Returns how many slots the workspace got
     * back.
     */
    static int fold(Handle handle, WorkspaceId workspace) {
        // One statement (it runs once per claim): the workspace's and agents' rows are locked by the caller already,
        // so the order in which its parts write them cannot matter.
        return handle.createQuery("""
                        WITH freed AS (
                            DELETE FROM in_flight_releases WHERE workspace_id = :workspaceId
                            RETURNING agent_id, released),
                        per_agent AS (SELECT agent_id, sum(released)::integer AS n FROM freed GROUP BY agent_id),
                        agents_freed AS (
                            UPDATE agents a SET in_flight = a.in_flight - p.n FROM per_agent p
                            WHERE a.workspace_id = :workspaceId AND a.id = p.agent_id),
                        workspace_freed AS (
                            UPDATE workspaces SET in_flight = in_flight - (SELECT sum(n) FROM per_agent)
                            WHERE id = :workspaceId AND EXISTS (SELECT 1 FROM per_agent))
                        SELECT coalesce(sum(n), 0)::integer FROM per_agent""")
                .bind("workspaceId", workspace.value())
                .mapTo(Integer.class)
                .one();
    }

    /**
     * A batch about to be deleted: its attempts still in flight stop counting against the workspace's and agents'
     * limits at once (the batch row goes with its own count). Call with the workspace locked.
     */
    static void batchDeleted(Handle handle, WorkspaceId workspace, String batchId) {
        var released = handle.createQuery("""
                        SELECT agent_id FROM attempts
                        WHERE workspace_id = :workspaceId AND batch_id = :batchId AND phase <> :ended
                        -- In the order the call-event writer locks attempts (AttemptLifecycle.lockAttempts).
                        ORDER BY id COLLATE "C"
                        FOR NO KEY UPDATE""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("ended", io.batchcall.domain.AttemptPhase.ENDED.wireName())
                .mapTo(String.class)
                .map(agent -> new Release(workspace, agent, batchId))
                .list();
        released(handle, released);
    }

    /**
     * Ended attempts stop counting on their batches, which count their recipients that became final; a running
     * batch whose every recipient is final completes; and every node's dispatcher is told to look again
     * ({@link Notifications#WAKE}: the slots are free once this commits). Returns the batches completed.
     */
    static List<BatchRef> settleBatches(
            Handle handle, List<Release> released, Map<BatchRef, Integer> finishedPerBatch, Instant now) {
        var ended = new TreeMap<BatchRef, Integer>(BATCH_ORDER);
        released.forEach(r -> ended.merge(new BatchRef(r.workspace(), r.batchId()), 1, Integer::sum));
        var keys = List.copyOf(ended.keySet());
        return handle
                .createQuery("""
                        WITH settled AS (
                            UPDATE batches b SET in_flight = b.in_flight - c.ended,
                                total_finished = b.total_finished + c.finished,
                                status = CASE WHEN b.status = :inProgress
                                                   AND b.total_finished + c.finished >= b.total_scheduled
                                              THEN :completed ELSE b.status END,
                                updated_at = :now
                            FROM unnest(:workspaceIds, :ids, :ended, :finished)
                                AS c(workspace_id, id, ended, finished)
                            WHERE b.workspace_id = c.workspace_id AND b.id = c.id
                            RETURNING b.workspace_id, b.id, b.status),
                        -- Not inlined (pg_notify is volatile) and the outer side of the join: called once, even
                        -- when no batch row is left to settle (the workspace's slots were freed all the same).
                        woken AS (SELECT pg_notify(:wake, ''))
                        SELECT s.workspace_id, s.id, s.status FROM woken LEFT JOIN settled s ON true""")
                .bind("wake", Notifications.WAKE)
                .bind("now", Rows.at(now))
                .bind("inProgress", BatchStatus.IN_PROGRESS.wireName())
                .bind("completed", BatchStatus.COMPLETED.wireName())
                .bindArray(
                        "workspaceIds",
                        String.class,
                        keys.stream().map(k -> k.workspaceId().value()).toList())
                .bindArray(
                        "ids",
                        String.class,
                        keys.stream().map(BatchRef::batchId).toList())
                .bindArray("ended", Integer.class, keys.stream().map(ended::get).toList())
                .bindArray(
                        "finished",
                        Integer.class,
                        keys.stream()
                                .map(k -> finishedPerBatch.getOrDefault(k, 0))
                                .toList())
                // A row without a batch is the notification's alone.
                .map((rs, ctx) -> BatchStatus.COMPLETED.wireName().equals(rs.getString("status"))
                        ? new BatchRef(new WorkspaceId(rs.getString("workspace_id")), rs.getString("id"))
                        : null)
                .list()
                .stream()
                .filter(java.util.Objects::nonNull)
                .toList();
    }

    private static <T> Map<String, Integer> count(List<T> items, Function<T, String> key) {
        var counts = new HashMap<String, Integer>();
        items.forEach(item -> counts.merge(key.apply(item), 1, Integer::sum));
        return new TreeMap<>(counts);
    }
}
