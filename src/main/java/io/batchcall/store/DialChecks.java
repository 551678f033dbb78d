package io.batchcall.store;

import io.batchcall.domain.AttemptPhase;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.BatchStatus;
import io.batchcall.domain.RecipientStatus;
import io.batchcall.domain.WorkspaceId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * What a node asks the database about calls it claimed, while they wait to be dialed or go on: the dial gate right
 * before each dial, and which of their batches were stopped (when its notifications may have missed that).
 */
public final class DialChecks {
    private final Jdbi jdbi;

    DialChecks(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** A batch that was cancelled or deleted, as the database says. */
    public record StoppedBatch(WorkspaceId workspace, String batchId, boolean deleted) {}

    /** What the database says of a claimed attempt just before its dial. */
    public sealed interface DialGate {
        /** Dial it. */
        record Dial() implements DialGate {}

        /** Do not: it ended (another node's recovery), its recipient or batch was cancelled, or it was deleted. */
        record Stopped() implements DialGate {}

        /** Do not: its batch failed (its number cannot dial); the attempt fails with the batch's reason. */
        record BatchFailed(String reason) implements DialGate {}

        /** Do not yet: its batch or workspace is paused; the claim is given back ({@link ClaimGiveBack#unclaim}). */
        record Paused() implements DialGate {}
    }

    /** A claimed attempt about to be dialed, as the dial gate is asked about it. */
    public record GateQuestion(AttemptRef attempt, String batchId) {}

    /**
     * Asked right before every dial, after the dial's instant was read: a pause (or cancel) committed before this
     * read is seen, and one committed after it returned after the dial's instant. So a pause that returned is
     * never followed by a dial on any node, whatever notification that node missed. One indexed read per dial.
     */
    public DialGate dialGate(AttemptRef attempt, String batchId) {
        return dialGates(List.of(new GateQuestion(attempt, batchId))).get(attempt);
    }

    /** The dial gate's read of one workspace's questions ({@link #dialGates}). */
    static final String GATE = """
            SELECT q.workspace_id, q.id,
                   a.phase = :dialing AND a.batch_id = q.batch_id
                     AND (SELECT r.status FROM recipients r
                          WHERE r.workspace_id = q.workspace_id AND r.batch_id = a.batch_id
                            AND r.id = a.recipient_id) = ANY(:open) AS open,
                   b.status, b.failure_reason, b.paused_at IS NOT NULL OR w.dispatch_paused AS paused
            FROM unnest(:workspaceIds, :attemptIds, :batchIds) AS q(workspace_id, id, batch_id)
            -- Each question looks its attempt and recipient up by primary key, one at a time (OFFSET 0
            -- and the scalar subquery keep the planner from joining the tables wholesale). Joined
            -- as sets, a workspace whose attempts and recipients grew since the last ANALYZE was
            -- planned as a scan of all of them per question: a claim's 500 dials took seconds.
            -- The workspace comes from the questions, not as a constant: a constant that the
            -- statistics have not seen yet (a new workspace's first batch) is estimated at one row,
            -- every index that starts with workspace_id then ties with the primary key, and the
            -- planner took the smallest, reading all the workspace's attempts per question (bench/run:
            -- up to 7 million index entries read in a quick run's dispatch).
            CROSS JOIN LATERAL (SELECT a.phase, a.batch_id, a.recipient_id FROM attempts a
                                WHERE a.workspace_id = q.workspace_id AND a.id = q.id OFFSET 0) a
            JOIN batches b ON b.workspace_id = q.workspace_id AND b.id = a.batch_id
            JOIN workspaces w ON w.id = :workspaceId""";

    /**
     * {@link #dialGate} for many dials in one read: each question must be asked after its dial's instant was
     * read, which holds as long as the caller sends the read after every question arrived. An attempt the read
     * does not find (deleted) is {@link DialGate.Stopped}.
     */
    public Map<AttemptRef, DialGate> dialGates(List<GateQuestion> questions) {
        var answers = new HashMap<AttemptRef, DialGate>();
        if (questions.isEmpty()) {
            return answers;
        }
        var byWorkspace = new java.util.TreeMap<String, List<GateQuestion>>();
        questions.forEach(q -> byWorkspace
                .computeIfAbsent(q.attempt().workspaceId().value(), w -> new ArrayList<>())
                .add(q));
        jdbi.useHandle(handle -> byWorkspace.forEach((workspaceId, asked) -> handle.createQuery(GATE)
                .bind("dialing", AttemptPhase.DIALING.wireName())
                .bindArray("open", String.class, RecipientStatus.open())
                .bind("workspaceId", workspaceId)
                .bindArray(
                        "workspaceIds",
                        String.class,
                        asked.stream().map(q -> workspaceId).toList())
                .bindArray(
                        "attemptIds",
                        String.class,
                        asked.stream().map(q -> q.attempt().attemptId()).toList())
                .bindArray(
                        "batchIds",
                        String.class,
                        asked.stream().map(GateQuestion::batchId).toList())
                .map((rs, ctx) -> Map.entry(
                        new AttemptRef(new WorkspaceId(rs.getString("workspace_id")), rs.getString("id")),
                        dialGate(
                                rs.getBoolean("open"),
                                BatchStatus.fromWire(rs.getString("status")).orElseThrow(),
                                Rows.optionalText(rs, "failure_reason"),
                                rs.getBoolean("paused"))))
                .forEach(entry -> answers.put(entry.getKey(), entry.getValue()))));
        questions.forEach(q -> answers.putIfAbsent(q.attempt(), new DialGate.Stopped()));
        return answers;
    }

    static DialGate dialGate(boolean open, BatchStatus batch, Optional<String> failureReason, boolean paused) {
        if (!open) {
            return new DialGate.Stopped();
        }
        if (batch == BatchStatus.FAILED) {
            return new DialGate.BatchFailed(failureReason.orElse("the batch failed"));
        }
        if (batch.isFinal()) {
            return new DialGate.Stopped();
        }
        return paused ? new DialGate.Paused() : new DialGate.Dial();
    }

    /** Of these attempts, the ones whose recipient was cancelled while its call rang. */
    public List<AttemptRef> cancelRequested(List<AttemptRef> attempts) {
        if (attempts.isEmpty()) {
            return List.of();
        }
        return jdbi.withHandle(handle -> KeyArrays.attempts(handle.createQuery("""
                        SELECT a.workspace_id, a.id
                        FROM unnest(:workspaceIds, :ids) AS t(workspace_id, id)
                        JOIN attempts a ON a.workspace_id = t.workspace_id AND a.id = t.id
                        JOIN recipients r ON r.workspace_id = a.workspace_id AND r.batch_id = a.batch_id
                                         AND r.id = a.recipient_id
                        WHERE r.cancel_requested_at IS NOT NULL"""), attempts)
                .map((rs, ctx) -> new AttemptRef(new WorkspaceId(rs.getString(1)), rs.getString(2)))
                .list());
    }

    /** Of these batches, the ones cancelled or deleted. */
    public List<StoppedBatch> stoppedBatches(List<BatchRef> batches) {
        if (batches.isEmpty()) {
            return List.of();
        }
        return jdbi.withHandle(handle -> KeyArrays.batches(handle.createQuery("""
                        SELECT DISTINCT t.workspace_id, t.id, b.id IS NULL AS deleted
                        FROM unnest(:workspaceIds, :ids) AS t(workspace_id, id)
                        LEFT JOIN batches b ON b.workspace_id = t.workspace_id AND b.id = t.id
                        WHERE b.id IS NULL OR b.status = 'cancelled'"""), batches)
                .map((rs, ctx) -> new StoppedBatch(
                        new WorkspaceId(rs.getString("workspace_id")), rs.getString("id"), rs.getBoolean("deleted")))
                .list());
    }
}
