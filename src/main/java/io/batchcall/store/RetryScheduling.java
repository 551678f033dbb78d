package io.batchcall.store;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.BatchStatus;
import io.batchcall.domain.CallEvent;
import io.batchcall.domain.HoldReason;
import io.batchcall.domain.RecipientStatus;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.wire.RetryPolicyJson;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.jdbi.v3.core.Handle;

/**
 * The automatic retries of {@link AttemptLifecycle}'s ends: an attempt whose outcome its batch's retry policy
 * retries, with dials left and before the policy's deadline, sends its recipient back to {@code pending} with
 * {@code next_attempt_at} and {@code hold_reason = retry_backoff} instead of a final status. The recipient is not
 * finished, so its batch neither counts it nor completes; the claim dials it again once it is due. Runs inside the
 * lifecycle's transaction, under its locks, after the attempts ended and their slots were released.
 */
final class RetryScheduling {
    static final String EVENT = "recipient.retry_scheduled";

    private RetryScheduling() {}

    /** A recipient to dial again at {@code at}, after the attempt that just ended with {@code outcome}. */
    record Retry(AttemptLifecycle.Moved attempt, String outcome, Instant at) {}

    /**
     * An ended attempt whose batch runs under a retry policy (and is pending or in progress, not paused, cancelled
     * or finished) and whose recipient is still open: its recipient's dials so far, and the policy.
     */
    record Governed(int dialsMade, String policyJson) {}

    /**
     * The columns {@link #governed} reads, for the statement that ends the attempts ({@code a} being the ended rows
     * as it returns them), which reads them in passing instead of the group asking in a statement of its own. Bind
     * {@link #bindGoverned}.
     */
    static final String GOVERNED_COLUMNS = """
            (SELECT b.retry_policy::text FROM batches b
             -- A cancelled or finished batch dials nobody again; a paused one keeps its recipients waiting until it
             -- resumes.
             WHERE b.workspace_id = a.workspace_id AND b.id = a.batch_id
               AND b.retry_policy IS NOT NULL AND b.status = ANY(:running)) AS retry_policy,
            (SELECT r.attempt_count FROM recipients r
             WHERE r.workspace_id = a.workspace_id AND r.batch_id = a.batch_id AND r.id = a.recipient_id
               -- A recipient cancelled while its call rang is not dialed again, whatever the call's end.
               AND r.status = ANY(:open) AND r.cancel_requested_at IS NULL) AS dials_made""";

    /** Binds the statuses {@link #GOVERNED_COLUMNS} names: a running batch's, an open recipient's. */
    static <T extends org.jdbi.v3.core.statement.SqlStatement<T>> T bindGoverned(T statement) {
        return statement
                .bindArray(
                        "running",
                        String.class,
                        List.of(BatchStatus.PENDING.wireName(), BatchStatus.IN_PROGRESS.wireName()))
                .bindArray("open", String.class, RecipientStatus.open());
    }

    /** The {@link #GOVERNED_COLUMNS} of a row: empty when no policy governs its attempt's recipient. */
    static Optional<Governed> governed(java.sql.ResultSet rs) throws java.sql.SQLException {
        var policy = rs.getString("retry_policy");
        var dials = (Integer) rs.getObject("dials_made");
        return policy == null || dials == null ? Optional.empty() : Optional.of(new Governed(dials, policy));
    }

    /** The retries the ended attempts' policies call for, by attempt id, from what their ending read. */
    static Map<String, Retry> due(
            List<AttemptLifecycle.Moved> changed,
            Map<String, Governed> governed,
            Map<String, CallEvent.Ended> ends,
            Instant now,
            RandomGenerator random) {
        var retries = new LinkedHashMap<String, Retry>();
        var parsed = new HashMap<String, io.batchcall.domain.RetryPolicy>();
        for (var attempt : changed) {
            var id = attempt.attempt().attemptId();
            var row = governed.get(id);
            if (row == null) {
                continue;
            }
            var policy = parsed.computeIfAbsent(row.policyJson(), RetryPolicyJson::read);
            var outcome = ends.get(id).outcome();
            policy.delayAfter(outcome, row.dialsMade(), now, random)
                    .ifPresent(delay -> retries.put(id, new Retry(attempt, outcome.wireName(), now.plus(delay))));
        }
        return retries;
    }

    /**
     * Sends the recipients back to pending, held until their next dial; returns the moves for
     * {@code recipient.retry_scheduled}. The status is open still (checked again by the guard).
     */
    static List<LifecycleEvents.RecipientMove> schedule(Handle handle, Map<String, Retry> retries, Instant now) {
        if (retries.isEmpty()) {
            return List.of();
        }
        var list = List.copyOf(retries.values());
        return KeyArrays.moved(
                        handle.createQuery("""
                        UPDATE recipients r SET status = :pending, last_outcome = e.outcome, next_attempt_at = e.at,
                            hold_reason = :retryBackoff, updated_at = :now
                        FROM (SELECT e.*, before.status AS previous
                              FROM unnest(:workspaceIds, :batchIds, :ids, :outcomes, :ats, :attemptIds)
                                  AS e(workspace_id, batch_id, id, outcome, at, attempt_id)
                              JOIN recipients before ON before.workspace_id = e.workspace_id
                                                    AND before.batch_id = e.batch_id AND before.id = e.id) e
                        WHERE r.workspace_id = e.workspace_id AND r.batch_id = e.batch_id AND r.id = e.id
                          AND r.status = ANY(:open)
                        RETURNING r.workspace_id, r.batch_id, r.id, e.previous, e.attempt_id"""),
                        list.stream().map(Retry::attempt).toList())
                .bind("pending", RecipientStatus.PENDING.wireName())
                .bind("retryBackoff", HoldReason.RETRY_BACKOFF.wireName())
                .bind("now", Rows.at(now))
                .bindArray("open", String.class, RecipientStatus.open())
                .bindArray(
                        "outcomes",
                        String.class,
                        list.stream().map(Retry::outcome).toList())
                .bindArray(
                        "ats",
                        java.time.OffsetDateTime.class,
                        list.stream().map(r -> Rows.at(r.at())).toList())
                .map((rs, ctx) -> {
                    var workspace = new WorkspaceId(rs.getString("workspace_id"));
                    return new LifecycleEvents.RecipientMove(
                            new BatchRef(workspace, rs.getString("batch_id")),
                            rs.getString("id"),
                            rs.getString("previous"),
                            Optional.of(new AttemptRef(workspace, rs.getString("attempt_id"))));
                })
                .list();
    }
}
