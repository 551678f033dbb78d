package io.batchcall.store;

import io.batchcall.domain.AttemptPhase;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.BatchStatus;
import io.batchcall.domain.HoldReason;
import io.batchcall.domain.RecipientStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Claims given back before their dial: a batch paused between claim and dial, or a provider that says the
 * recipient must wait. The attempt goes as if it had never been opened and the recipient is pending again.
 */
public final class ClaimGiveBack {
    private final Jdbi jdbi;
    private final Clock clock;
    private final Outbox outbox;

    ClaimGiveBack(Jdbi jdbi, Clock clock, Outbox outbox) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.outbox = outbox;
    }

    /** What became of a claim given back. */
    public sealed interface Given {
        /** Given back: the attempt is gone and its recipient pending (or held) again. */
        record Back() implements Given {}

        /** Nothing changed: the attempt was dialed, ended or taken over meanwhile, and whoever did that decides. */
        record NotOpen() implements Given {}

        /**
         * Nothing changed: the batch was cancelled or failed after the dial gate answered. Given back, the recipient
         * would wait as pending in a finished batch for good (a cancel moves only the pending recipients, and this
         * one was dispatched then); the attempt is to end as the gate would now answer ({@code stopped}).
         */
        record BatchStopped(DialChecks.DialGate stopped) implements Given {}
    }

    /**
     * Gives back a claim that was never dialed (its batch was paused between claim and dial): the attempt goes
     * as if it had never been opened, its recipient is pending again and is claimed after the resume, and the
     * in-flight counts fall.
     */
    public Given unclaim(AttemptRef attempt) {
        return giveBack(attempt, Optional.empty());
    }

    /** Why and until when a given-back claim's recipient waits. */
    public record Hold(HoldReason reason, Instant until) {}

    /**
     * Gives back a claim the provider did not dial because its recipient must wait (a WhatsApp user's permission,
     * a provider's per-user limit): as {@link #unclaim}, and the recipient is held with {@code hold} (not claimed
     * again before its time, unless something wakes it), with one {@code recipient.held} event. The attempt never
     * counts: a held recipient has used none of its tries.
     */
    public Given holdClaim(AttemptRef attempt, Hold hold) {
        return giveBack(attempt, Optional.of(hold));
    }

    private Given giveBack(AttemptRef attempt, Optional<Hold> hold) {
        return jdbi.inTransaction(handle -> {
            // A cancel or a batch's failure takes the workspace lock too: the batch read here stays as read until
            // this transaction ends, and a cancel after it finds the recipient pending and cancels it.
            AttemptStore.lockWorkspace(handle, attempt.workspaceId());
            var now = clock.instant();
            var stopped = handle.createQuery("""
                            SELECT b.status, b.failure_reason FROM attempts a
                            JOIN batches b ON b.workspace_id = a.workspace_id AND b.id = a.batch_id
                            WHERE a.workspace_id = :workspaceId AND a.id = :attemptId AND a.phase = :dialing
                              AND a.provider_call_id IS NULL AND a.dialed_at IS NULL""")
                    .bind("workspaceId", attempt.workspaceId().value())
                    .bind("attemptId", attempt.attemptId())
                    .bind("dialing", AttemptPhase.DIALING.wireName())
                    .map((rs, ctx) -> DialChecks.dialGate(
                            true,
                            BatchStatus.fromWire(rs.getString("status")).orElseThrow(),
                            Rows.optionalText(rs, "failure_reason"),
                            false))
                    .findOne()
                    .filter(gate -> !(gate instanceof DialChecks.DialGate.Dial));
            if (stopped.isPresent()) {
                return new Given.BatchStopped(stopped.get());
            }
            var gone = handle.createQuery("""
                            DELETE FROM attempts
                            WHERE workspace_id = :workspaceId AND id = :attemptId AND phase = :dialing
                              AND provider_call_id IS NULL AND dialed_at IS NULL
                            RETURNING batch_id, recipient_id, agent_id, attempt_number""")
                    .bind("workspaceId", attempt.workspaceId().value())
                    .bind("attemptId", attempt.attemptId())
                    .bind("dialing", AttemptPhase.DIALING.wireName())
                    .map((rs, ctx) -> new Unclaimed(
                            rs.getString("batch_id"),
                            rs.getString("recipient_id"),
                            rs.getString("agent_id"),
                            rs.getInt("attempt_number")))
                    .findOne();
            if (gone.isEmpty()) {
                return new Given.NotOpen();
            }
            var released = gone.get();
            var batch = new BatchRef(attempt.workspaceId(), released.batchId());
            // Back to pending is the way a claim is undone (not a forward move of the lifecycle): only from
            // dispatched, the status the claim set; a recipient cancelled meanwhile stays cancelled.
            var moved = handle.createQuery("""
                            UPDATE recipients SET status = :pending, attempt_count = attempt_count - 1,
                                hold_reason = :holdReason, next_attempt_at = coalesce(:holdUntil, next_attempt_at),
                                updated_at = :now
                            WHERE workspace_id = :workspaceId AND batch_id = :batchId AND id = :recipientId
                              AND status = :dispatched
                            RETURNING id""")
                    .bind("pending", RecipientStatus.PENDING.wireName())
                    .bind("holdReason", hold.map(h -> h.reason().wireName()).orElse(null))
                    .bind(
                            "holdUntil",
                            hold.map(h -> Rows.at(h.until().truncatedTo(java.time.temporal.ChronoUnit.MICROS)))
                                    .orElse(null))
                    .bind("dispatched", RecipientStatus.DISPATCHED.wireName())
                    .bind("workspaceId", attempt.workspaceId().value())
                    .bind("batchId", released.batchId())
                    .bind("recipientId", released.recipientId())
                    .bind("now", Rows.at(now))
                    .mapTo(String.class)
                    .findOne();
            InFlight.unclaimed(
                    handle,
                    attempt.workspaceId(),
                    released.agentId(),
                    released.batchId(),
                    released.attemptNumber() == 1 && moved.isPresent(),
                    now);
            moved.ifPresent(id -> outbox.append(
                    handle,
                    LifecycleEvents.recipientEvents(
                            handle,
                            List.of(new LifecycleEvents.RecipientMove(
                                    batch, id, RecipientStatus.DISPATCHED.wireName(), Optional.empty())),
                            hold.map(h -> "recipient.held")),
                    now));
            return new Given.Back();
        });
    }

    private record Unclaimed(String batchId, String recipientId, String agentId, int attemptNumber) {}
}
