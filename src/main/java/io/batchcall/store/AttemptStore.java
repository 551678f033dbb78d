package io.batchcall.store;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.time.Instant;
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

    /** What an end did: whether it was news, and whether it finished the batch. */
    public record Ended(boolean changed, Optional<String> batchCompleted) {}

    /**
     * The call ended. In one transaction: the attempt, the counters (workspace, agent, batch, in that lock
     * order), the recipient's final status, the batch's completion, and the conversation.
     */
    public Ended ended(AttemptRef ref, Outcome outcome, Optional<String> providerStatus, Optional<Integer> sipCode,
                       boolean reachedProvider) {
        return jdbi.inTransaction(handle -> {
            // Lock order for every change to in-flight counts: workspace, then attempts, agents, batches. The time
            // is read after the lock, so that ends and claims are stamped in the order they happened.
            lockWorkspace(handle, ref.workspaceId());
            var now = clock.instant();
            var attempt = handle.createQuery("""
                            UPDATE attempts SET phase = 'ended', ended_at = :now, outcome = :outcome,
                                provider_status = :providerStatus, sip_code = :sipCode, failure_reason = :reason,
                                lease_expires_at = NULL
                            WHERE workspace_id = :workspaceId AND id = :id AND phase <> 'ended'
                            RETURNING batch_id, recipient_id, agent_id, answered_at""")
                    .bind("workspaceId", ref.workspaceId().value())
                    .bind("id", ref.attemptId())
                    .bind("now", Rows.at(now))
                    .bind("outcome", outcome.wireName())
                    .bind("providerStatus", providerStatus.orElse(null))
                    .bind("sipCode", sipCode.orElse(null))
                    .bind("reason", outcome.failureReason())
                    .mapToMap().findOne();
            if (attempt.isEmpty()) {
                return new Ended(false, Optional.empty());
            }
            var batchId = (String) attempt.get().get("batch_id");
            var recipientId = (String) attempt.get().get("recipient_id");
            release(handle, ref.workspaceId(), (String) attempt.get().get("agent_id"));
            if (reachedProvider) {
                reachedProvider(handle, ref, now);
                closeConversation(handle, ref, outcome, now);
            }
            int finished = handle.createUpdate("""
                            UPDATE recipients SET status = :status, last_outcome = :outcome, updated_at = :now
                            WHERE workspace_id = :workspaceId AND batch_id = :batchId AND id = :recipientId
                              AND status IN ('pending', 'dispatched', 'initiated', 'in_progress')""")
                    .bind("workspaceId", ref.workspaceId().value())
                    .bind("batchId", batchId)
                    .bind("recipientId", recipientId)
                    .bind("status", outcome.recipientStatus().wireName())
                    .bind("outcome", outcome.wireName())
                    .bind("now", Rows.at(now))
                    .execute();
            var completed = handle.createQuery("""
                            UPDATE batches SET in_flight = in_flight - 1, total_finished = total_finished + :finished,
                                status = CASE WHEN status = 'in_progress'
                                                   AND total_finished + :finished >= total_scheduled
                                              THEN 'completed' ELSE status END,
                                updated_at = :now
                            WHERE workspace_id = :workspaceId AND id = :batchId
                            RETURNING status""")
                    .bind("workspaceId", ref.workspaceId().value())
                    .bind("batchId", batchId)
                    .bind("finished", finished)
                    .bind("now", Rows.at(now))
                    .mapTo(String.class).findOne()
                    .filter("completed"::equals)
                    .map(status -> batchId);
            handle.execute("SELECT pg_notify('" + Notifications.WAKE + "', '')");
            return new Ended(true, completed);
        });
    }

    static void lockWorkspace(Handle handle, WorkspaceId workspace) {
        handle.createQuery("SELECT id FROM workspaces WHERE id = :workspaceId FOR NO KEY UPDATE")
                .bind("workspaceId", workspace.value())
                .mapTo(String.class)
                .findOne();
    }

    /** Frees the attempt's slot in the workspace and agent counters (batch counters move with the batch row). */
    private static void release(Handle handle, WorkspaceId workspace, String agentId) {
        handle.createUpdate("UPDATE workspaces SET in_flight = in_flight - 1 WHERE id = :workspaceId")
                .bind("workspaceId", workspace.value())
                .execute();
        handle.createUpdate("UPDATE agents SET in_flight = in_flight - 1 WHERE workspace_id = :workspaceId AND id = :id")
                .bind("workspaceId", workspace.value())
                .bind("id", agentId)
                .execute();
    }

    /** The attempt reached its provider: it has a conversation, and the recipient shows its id. */
    private static void reachedProvider(Handle handle, AttemptRef ref, Instant now) {
        handle.createUpdate("""
                        INSERT INTO conversations (workspace_id, id, agent_id, batch_id, recipient_id, phone_number_id,
                            status, start_time, phone_call, client_data, created_at, updated_at)
                        SELECT a.workspace_id, a.conversation_id, a.agent_id, a.batch_id, a.recipient_id,
                            a.phone_number_id, 'initiated', coalesce(a.dialed_at, :now),
                            json_build_object('direction', 'outbound', 'phone_number_id', a.phone_number_id,
                                'agent_number', p.phone_number, 'external_number', r.phone_number,
                                'type', CASE WHEN a.provider = 'twilio' THEN 'twilio' ELSE 'sip_trunking' END,
                                'call_sid', a.provider_call_id, 'stream_sid', '')::jsonb,
                            r.client_data::jsonb, :now, :now
                        FROM attempts a
                        JOIN recipients r ON r.workspace_id = a.workspace_id AND r.batch_id = a.batch_id
                                         AND r.id = a.recipient_id
                        LEFT JOIN phone_numbers p ON p.workspace_id = a.workspace_id AND p.id = a.phone_number_id
                        WHERE a.workspace_id = :workspaceId AND a.id = :id
                        ON CONFLICT (workspace_id, id) DO NOTHING""")
                .bind("workspaceId", ref.workspaceId().value())
                .bind("id", ref.attemptId())
                .bind("now", Rows.at(now))
                .execute();
        handle.createUpdate("""
                        UPDATE recipients r SET conversation_id = a.conversation_id
                        FROM attempts a
                        WHERE a.workspace_id = :workspaceId AND a.id = :id
                          AND r.workspace_id = a.workspace_id AND r.batch_id = a.batch_id AND r.id = a.recipient_id
                          AND r.conversation_id IS DISTINCT FROM a.conversation_id""")
                .bind("workspaceId", ref.workspaceId().value())
                .bind("id", ref.attemptId())
                .execute();
    }

    private static void closeConversation(Handle handle, AttemptRef ref, Outcome outcome, Instant now) {
        handle.createUpdate("""
                        UPDATE conversations c
                        SET status = CASE WHEN a.answered_at IS NOT NULL THEN 'done' ELSE 'failed' END,
                            call_successful = CASE WHEN :outcome = 'completed' THEN 'success'
                                                   WHEN a.answered_at IS NULL THEN 'failure' ELSE 'unknown' END,
                            call_duration_secs = CASE WHEN a.answered_at IS NULL THEN 0
                                ELSE greatest(0, extract(epoch FROM (:now - a.answered_at)))::integer END,
                            termination_reason = :outcome,
                            -- to_jsonb(NULL) would null the whole object: a dial refused at once has no call id
                            phone_call = jsonb_set(c.phone_call, '{call_sid}',
                                                   coalesce(to_jsonb(a.provider_call_id), 'null'::jsonb)),
                            updated_at = :now
                        FROM attempts a
                        WHERE a.workspace_id = :workspaceId AND a.id = :id
                          AND c.workspace_id = a.workspace_id AND c.id = a.conversation_id""")
                .bind("workspaceId", ref.workspaceId().value())
                .bind("id", ref.attemptId())
                .bind("outcome", outcome.wireName())
                .bind("now", Rows.at(now))
                .execute();
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
        handle.createUpdate("UPDATE batches SET updated_at = :now WHERE workspace_id = :workspaceId AND id = :batchId")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("now", Rows.at(now))
                .execute();
    }
}
