package io.batchcall.store;

import io.batchcall.domain.Batch;
import io.batchcall.domain.BatchStatus;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewBatch;
import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Single outbound calls ({@code POST /v1/convai/{provider}/outbound-call}). Each is a hidden batch of one recipient
 * (origin {@code single}): the dispatcher claims, paces, leases, records and recovers it exactly as a batch's
 * recipient, so it counts against every limit, is dialed at most once, and has its conversation and events. The
 * row is committed before anything is dialed: a node dying while its request waits leaves a claimable (or, once
 * claimed, recoverable) recipient, as a batch's would.
 */
public final class SingleCallStore {
    private final Jdbi jdbi;
    private final Clock clock;
    private final IdSource ids;
    private final Outbox outbox;

    public SingleCallStore(Database database, Clock clock, IdSource ids) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.ids = ids;
        this.outbox = new Outbox(ids);
    }

    /** What a request to place a call got: a queued hidden batch, or a refusal because the limits are full. */
    public sealed interface Placement {
        record Queued(String batchId) implements Placement {}

        record LimitsFull(String message) implements Placement {}
    }

    /** How far a single call got: still waiting for its dial, placed with the provider, or not placed. */
    public sealed interface Progress {
        record Waiting() implements Progress {}

        record Placed(String conversationId, String providerCallId) implements Progress {}

        /** Not placed (the provider refused, the number is unusable...); the conversation when a dial went out. */
        record NotPlaced(String reason, Optional<String> conversationId) implements Progress {}
    }

    /**
     * Stores the call as a hidden one-recipient batch, unless the workspace or the agent has no free slot for it:
     * calls in flight plus single calls not claimed yet must stay under each limit, so that a single call is
     * refused at once rather than queued behind the limits. The workspace row is locked first (the lock order of
     * every lifecycle write and of the claim), so the counts read are the ones the claim will see.
     */
    public Placement place(WorkspaceId workspace, NewBatch call) {
        if (call.recipients().size() != 1) {
            throw new IllegalArgumentException("a single call has one recipient");
        }
        var batchId = ids.next(Batch.ID_PREFIX);
        return jdbi.inTransaction(handle -> {
            var now = clock.instant();
            var full = limitsFull(handle, workspace, call.agentId())
                    .or(() -> dailyLimitReached(handle, workspace, call.agentId(), now));
            if (full.isPresent()) {
                return new Placement.LimitsFull(full.get());
            }
            BatchInserts.requireLive(handle, workspace, "agents", call.agentId(), "agent");
            call.phoneNumberId()
                    .ifPresent(number ->
                            BatchInserts.requireLive(handle, workspace, "phone_numbers", number, "phone number"));
            BatchInserts.insertBatch(handle, workspace, batchId, call, now);
            handle.createUpdate("UPDATE batches SET origin = 'single' WHERE workspace_id = :workspaceId AND id = :id")
                    .bind("workspaceId", workspace.value())
                    .bind("id", batchId)
                    .execute();
            BatchInserts.insertRecipients(handle, workspace, batchId, call.recipients(), now);
            BatchTransitions.created(handle, outbox, workspace, batchId, now);
            BatchStore.notify(handle, Notifications.WAKE, "");
            return new Placement.Queued(batchId);
        });
    }

    /** Why no further call fits, or empty when one does. */
    private static Optional<String> limitsFull(Handle handle, WorkspaceId workspace, String agentId) {
        Usage workspaceRow = handle.createQuery("""
                        SELECT concurrency_limit, in_flight, dispatch_paused FROM workspaces
                        WHERE id = :workspaceId FOR NO KEY UPDATE""")
                .bind("workspaceId", workspace.value())
                .map((rs, ctx) -> new Usage(
                        Optional.of(rs.getInt("concurrency_limit")),
                        rs.getInt("in_flight"),
                        rs.getBoolean("dispatch_paused")))
                .one();
        // Ends give their slots back through the releases a holder of this lock folds (InFlight.fold): folded
        // here too, before the agent's row is read, so that a single call sees every end committed before it.
        int folded = InFlight.fold(handle, workspace);
        workspaceRow = new Usage(workspaceRow.limit(), workspaceRow.inFlight() - folded, workspaceRow.dispatchPaused());
        if (workspaceRow.dispatchPaused()) {
            // The workspace's emergency stop holds every dial; a single call would only wait out its request.
            throw new io.batchcall.domain.StateConflict(
                    "dispatch_paused",
                    "Dialing is paused for this workspace "
                            + "(dispatch_paused); resume it with PATCH /v1/batchcall/workspace before placing calls.");
        }
        int waiting = waitingSingles(handle, workspace, Optional.empty());
        var workspaceLimit = workspaceRow.limit().orElseThrow();
        if (workspaceRow.inFlight() + waiting >= workspaceLimit) {
            return Optional.of("The workspace's concurrency limit is reached: " + workspaceRow.inFlight()
                    + " calls in flight and " + waiting + " single calls about to be placed, of "
                    + workspaceLimit + " allowed. Try again when a call ends.");
        }
        var agentRow = handle.createQuery("""
                        SELECT concurrency_limit, in_flight FROM agents
                        WHERE workspace_id = :workspaceId AND id = :agentId""")
                .bind("workspaceId", workspace.value())
                .bind("agentId", agentId)
                .map((rs, ctx) -> new Usage(
                        Optional.ofNullable((Integer) rs.getObject("concurrency_limit")),
                        rs.getInt("in_flight"),
                        false))
                .findOne();
        if (agentRow.isPresent() && agentRow.get().limit().isPresent()) {
            int agentWaiting = waitingSingles(handle, workspace, Optional.of(agentId));
            int agentLimit = agentRow.get().limit().get();
            if (agentRow.get().inFlight() + agentWaiting >= agentLimit) {
                return Optional.of("The agent's concurrency limit is reached: "
                        + agentRow.get().inFlight()
                        + " calls in flight and " + agentWaiting + " single calls about to be placed, of "
                        + agentLimit + " allowed. Try again when a call ends.");
            }
        }
        return Optional.empty();
    }

    private record Usage(Optional<Integer> limit, int inFlight, boolean dispatchPaused) {}

    /** The agent's daily_limit, counting single calls not claimed yet, as the claim would hold the call. */
    private static Optional<String> dailyLimitReached(
            Handle handle, WorkspaceId workspace, String agentId, java.time.Instant now) {
        var usage = AgentStore.dailyUsage(handle, workspace, agentId, now);
        if (usage.isEmpty()) {
            return Optional.empty();
        }
        int waiting = waitingSingles(handle, workspace, Optional.of(agentId));
        if (usage.get().claimed() + waiting < usage.get().limit()) {
            return Optional.empty();
        }
        return Optional.of("The agent's daily_limit is reached: " + usage.get().claimed()
                + " calls in the last 24 hours and " + waiting + " single calls about to be placed, of "
                + usage.get().limit() + " allowed. Try again after "
                + usage.get().nextCallAllowedAt().map(Object::toString).orElse("a call leaves the window") + ".");
    }

    private static int waitingSingles(Handle handle, WorkspaceId workspace, Optional<String> agentId) {
        var query = handle.createQuery("""
                        SELECT count(*) FROM batches
                        WHERE workspace_id = :workspaceId AND origin = 'single' AND status = 'pending'""" + (agentId.isPresent() ? " AND agent_id = :agentId" : ""))
                .bind("workspaceId", workspace.value());
        agentId.ifPresent(agent -> query.bind("agentId", agent));
        return query.mapTo(Integer.class).one();
    }

    /** How far the single call stored as this hidden batch got. */
    public Progress progress(WorkspaceId workspace, String batchId) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT b.status, b.failure_reason AS batch_reason, a.provider_call_id, a.conversation_id,
                               a.phase, a.outcome, a.failure_reason, c.id AS recorded_conversation_id,
                               (SELECT r.skip_reason FROM recipients r
                                WHERE r.workspace_id = b.workspace_id AND r.batch_id = b.id LIMIT 1) AS skip_reason
                        FROM batches b
                        LEFT JOIN LATERAL (
                            SELECT * FROM attempts a
                            WHERE a.workspace_id = b.workspace_id AND a.batch_id = b.id
                            ORDER BY a.attempt_number DESC LIMIT 1) a ON true
                        LEFT JOIN conversations c ON c.workspace_id = b.workspace_id AND c.id = a.conversation_id
                        WHERE b.workspace_id = :workspaceId AND b.id = :batchId""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .map((rs, ctx) -> {
                    var providerCallId = Rows.optionalText(rs, "provider_call_id");
                    var conversationId = Rows.optionalText(rs, "conversation_id");
                    if (providerCallId.isPresent()) {
                        return (Progress) new Progress.Placed(conversationId.orElseThrow(), providerCallId.get());
                    }
                    if ("ended".equals(rs.getString("phase"))) {
                        var reason = Rows.optionalText(rs, "failure_reason")
                                .orElse("the call was not placed: " + rs.getString("outcome"));
                        // A dial that never reached the provider has no conversation to point at.
                        return new Progress.NotPlaced(reason, Rows.optionalText(rs, "recorded_conversation_id"));
                    }
                    var status = BatchStatus.fromWire(rs.getString("status")).orElseThrow();
                    var skipped = Rows.optionalText(rs, "skip_reason");
                    if (skipped.isPresent()) {
                        // The claim's rules ruled the number out (a do-not-call list, an opt-out, a cap).
                        return new Progress.NotPlaced(
                                "the call was not placed: the campaign rules skipped the number (skip_reason "
                                        + skipped.get() + ")",
                                Optional.empty());
                    }
                    if (status.isFinal()) {
                        return new Progress.NotPlaced(
                                Rows.optionalText(rs, "batch_reason").orElse("the call was " + status.wireName()),
                                Optional.empty());
                    }
                    return new Progress.Waiting();
                })
                .findOne()
                .orElse(new Progress.NotPlaced("the call was deleted before it was placed", Optional.empty())));
    }
}
