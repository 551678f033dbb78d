package io.batchcall.store;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * What happens to attempts after their claim: accepted by the provider, ringing, answered, ended. Every change
 * is guarded by the phase it moves from, so repeated, late or out-of-order events change nothing, and each ends
 * in one transaction with the recipient's status, the counters and the conversation.
 */
public final class AttemptStore {
    private final Jdbi jdbi;
    private final Clock clock;

    public AttemptStore(Database database, Clock clock) {
        this.jdbi = database.jdbi();
        this.clock = clock;
    }

    /**
     * The provider took the call. Moves the attempt to ringing (unless an event already moved it further) and
     * opens its conversation. False when the attempt no longer exists (its batch was deleted).
     */
    public boolean accepted(AttemptRef ref, String providerCallId, Instant dialedAt) {
        return jdbi.inTransaction(handle -> {
            var now = clock.instant();
            var attempt = handle.createQuery("""
                            UPDATE attempts SET provider_call_id = coalesce(provider_call_id, :callId),
                                dialed_at = coalesce(dialed_at, :dialedAt),
                                phase = CASE WHEN phase = 'dialing' THEN 'ringing' ELSE phase END
                            WHERE workspace_id = :workspaceId AND id = :id
                            RETURNING batch_id, recipient_id, conversation_id, phase""")
                    .bind("workspaceId", ref.workspaceId().value())
                    .bind("id", ref.attemptId())
                    .bind("callId", providerCallId)
                    .bind("dialedAt", Rows.at(dialedAt))
                    .mapToMap().findOne();
            if (attempt.isEmpty()) {
                return false;
            }
            reachedProvider(handle, ref, now);
            moveRecipient(handle, ref.workspaceId(), (String) attempt.get().get("batch_id"),
                    (String) attempt.get().get("recipient_id"), "initiated", now);
            return true;
        });
    }

    /** Ringing reported by the provider. */
    public void ringing(AttemptRef ref) {
        jdbi.useTransaction(handle -> {
            var now = clock.instant();
            handle.createQuery("""
                            UPDATE attempts SET phase = 'ringing'
                            WHERE workspace_id = :workspaceId AND id = :id AND phase = 'dialing'
                            RETURNING batch_id, recipient_id""")
                    .bind("workspaceId", ref.workspaceId().value())
                    .bind("id", ref.attemptId())
                    .mapToMap().findOne()
                    .ifPresent(row -> {
                        reachedProvider(handle, ref, now);
                        moveRecipient(handle, ref.workspaceId(), (String) row.get("batch_id"),
                                (String) row.get("recipient_id"), "initiated", now);
                    });
        });
    }

    /** The callee answered. */
    public void answered(AttemptRef ref) {
        jdbi.useTransaction(handle -> {
            var now = clock.instant();
            handle.createQuery("""
                            UPDATE attempts SET phase = 'answered', answered_at = :now
                            WHERE workspace_id = :workspaceId AND id = :id AND phase IN ('dialing', 'ringing')
                            RETURNING batch_id, recipient_id""")
                    .bind("workspaceId", ref.workspaceId().value())
                    .bind("id", ref.attemptId())
                    .bind("now", Rows.at(now))
                    .mapToMap().findOne()
                    .ifPresent(row -> {
                        reachedProvider(handle, ref, now);
                        handle.createUpdate("""
                                        UPDATE conversations SET status = 'in-progress', updated_at = :now
                                        WHERE workspace_id = :workspaceId
                                          AND id = (SELECT conversation_id FROM attempts
                                                    WHERE workspace_id = :workspaceId AND id = :id)""")
                                .bind("workspaceId", ref.workspaceId().value())
                                .bind("id", ref.attemptId())
                                .bind("now", Rows.at(now))
                                .execute();
                        moveRecipient(handle, ref.workspaceId(), (String) row.get("batch_id"),
                                (String) row.get("recipient_id"), "in_progress", now);
                    });
        });
    }

    /** Who placed an attempt: its number (whose credentials sign its callbacks), provider and call id. */
    public record Placement(String phoneNumberId, Provider provider, Optional<String> providerCallId) {}

    /** The placement of an attempt, for checking a provider's callback about it; empty when there is none. */
    public Optional<Placement> placement(AttemptRef ref) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT phone_number_id, provider, provider_call_id FROM attempts
                        WHERE workspace_id = :workspaceId AND id = :id""")
                .bind("workspaceId", ref.workspaceId().value())
                .bind("id", ref.attemptId())
                .map((rs, ctx) -> new Placement(rs.getString("phone_number_id"),
                        Provider.fromWire(rs.getString("provider")).orElseThrow(),
                        Rows.optionalText(rs, "provider_call_id")))
                .findOne());
    }

    static void lockWorkspace(Handle handle, WorkspaceId workspace) {
        handle.createQuery("SELECT id FROM workspaces WHERE id = :workspaceId FOR NO KEY UPDATE")
                .bind("workspaceId", workspace.value())
                .mapTo(String.class)
                .findOne();
    }

    /** The attempt reached its provider: it has a conversation, and the recipient shows its id. */
    private static void reachedProvider(Handle handle, AttemptRef ref, Instant now) {
        ConversationWrites.opened(handle, List.of(ref), now);
    }

    private static void moveRecipient(Handle handle, WorkspaceId workspace, String batchId, String recipientId,
                                      String status, Instant now) {
        var earlier = status.equals("initiated") ? "('dispatched')" : "('dispatched', 'initiated')";
        handle.createUpdate("UPDATE recipients SET status = :status, updated_at = :now"
                        + " WHERE workspace_id = :workspaceId AND batch_id = :batchId AND id = :recipientId"
                        + " AND status IN " + earlier)
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("recipientId", recipientId)
                .bind("status", status)
                .bind("now", Rows.at(now))
                .execute();
        // last_updated_at_unix is shown in seconds: the batch row, which every call of the batch shares, is only
        // written when the second changes, not once per call event.
        handle.createUpdate("""
                        UPDATE batches SET updated_at = :now
                        WHERE workspace_id = :workspaceId AND id = :batchId
                          AND date_trunc('second', updated_at) < date_trunc('second', CAST(:now AS timestamptz))""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("now", Rows.at(now))
                .execute();
    }
}
