package io.batchcall.store;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.MachineDetection;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * Leases on attempts in flight: renewed by the node that holds them, taken over by any node once they expire
 * (the holder died), so that no call is ever forgotten.
 */
public final class LeaseStore {
    private final Jdbi jdbi;
    private final Clock clock;
    private final String nodeId;
    private final Duration lease;

    public LeaseStore(Database database, Clock clock, String nodeId, Duration lease) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.nodeId = nodeId;
        this.lease = lease;
    }

    /** An attempt whose node stopped renewing its lease, now held by this node, to be resolved. */
    public record Orphan(
            AttemptRef attempt,
            String batchId,
            String recipientId,
            int attemptNumber,
            String phase,
            Optional<String> providerCallId,
            String conversationId,
            String to,
            Optional<String> clientDataJson,
            TelephonyCallConfig callConfig,
            String phoneNumberId,
            String agentId,
            Instant dialAt,
            Instant claimedAt,
            String previousNode,
            Instant takenAt,
            Instant leaseUntil,
            boolean cancelRequested) {}

    /** The leases a heartbeat renewed, and until when they now run. */
    public record Renewal(Set<String> renewedAttemptIds, Instant until) {}

    /**
     * Renews the leases of the attempts this node tracks, and only those it still holds: an attempt another node
     * took over (this node's lease expired while the database was away), or that has ended, is not taken back.
     */
    public Renewal renew(List<AttemptRef> attempts) {
        var until = clock.instant().plus(lease);
        if (attempts.isEmpty()) {
            return new Renewal(Set.of(), until);
        }
        var renewed = jdbi.inTransaction(handle -> {
            // The lock order of every writer of attempts: their workspaces first. The update alone took its rows in
            // whatever order the join gave while the call-event writer and batch deletion, holding a workspace,
            // took theirs in another: the two deadlocked (bench/run's DELETE answered 500).
            AttemptLifecycle.lockWorkspaces(
                    handle,
                    attempts.stream()
                            .map(a -> a.workspaceId().value())
                            .distinct()
                            .sorted()
                            .toList());
            // The call-event writer takes no workspace lock: attempts are then taken in its order too.
            AttemptLifecycle.lockAttempts(handle, attempts);
            return KeyArrays.attempts(handle.createQuery("""
                        UPDATE attempts a SET lease_expires_at = :until
                        FROM unnest(:workspaceIds, :ids) AS held(workspace_id, id)
                        WHERE a.workspace_id = held.workspace_id AND a.id = held.id AND a.phase <> 'ended'
                          AND a.lease_owner = :nodeId
                        RETURNING a.id"""), attempts)
                    .bind("until", Rows.at(until))
                    .bind("nodeId", nodeId)
                    .mapTo(String.class)
                    .set();
        });
        return new Renewal(renewed, until);
    }

    /** Of these attempts (ones this node could not renew), those that ended or no longer exist. */
    public Set<String> endedOrGone(List<AttemptRef> attempts) {
        if (attempts.isEmpty()) {
            return Set.of();
        }
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT t.id FROM unnest(:workspaceIds, :ids) AS t(workspace_id, id)
                        LEFT JOIN attempts a ON a.workspace_id = t.workspace_id AND a.id = t.id
                        WHERE a.id IS NULL OR a.phase = 'ended'""")
                .bindArray(
                        "workspaceIds",
                        String.class,
                        attempts.stream().map(a -> a.workspaceId().value()).toList())
                .bindArray(
                        "ids",
                        String.class,
                        attempts.stream().map(AttemptRef::attemptId).toList())
                .mapTo(String.class)
                .set());
    }

    /** Takes over up to {@code limit} attempts whose lease expired. */
    public List<Orphan> takeOverExpired(int limit) {
        return jdbi.inTransaction(handle -> {
            var now = clock.instant();
            return handle.createQuery("""
                            WITH expired AS (
                                SELECT workspace_id, id, lease_owner FROM attempts
                                WHERE phase <> 'ended' AND lease_expires_at < :now
                                ORDER BY lease_expires_at
                                LIMIT :limit
                                FOR UPDATE SKIP LOCKED),
                            taken AS (
                                UPDATE attempts a SET lease_expires_at = :until, lease_owner = :nodeId
                                FROM expired e WHERE a.workspace_id = e.workspace_id AND a.id = e.id
                                RETURNING a.*, e.lease_owner AS previous_node)
                            SELECT t.*, r.phone_number AS recipient_number, r.client_data::text AS client_data,
                                   b.ringing_timeout_secs, b.recording_enabled, b.machine_detection,
                                   r.cancel_requested_at IS NOT NULL OR b.status = 'cancelled' AS cancel_requested
                            FROM taken t
                            JOIN recipients r ON r.workspace_id = t.workspace_id AND r.batch_id = t.batch_id
                                             AND r.id = t.recipient_id
                            JOIN batches b ON b.workspace_id = t.workspace_id AND b.id = t.batch_id""")
                    .bind("now", Rows.at(now))
                    .bind("until", Rows.at(now.plus(lease)))
                    .bind("nodeId", nodeId)
                    .bind("limit", limit)
                    .map((rs, ctx) -> new Orphan(
                            new AttemptRef(new WorkspaceId(rs.getString("workspace_id")), rs.getString("id")),
                            rs.getString("batch_id"),
                            rs.getString("recipient_id"),
                            rs.getInt("attempt_number"),
                            rs.getString("phase"),
                            Rows.optionalText(rs, "provider_call_id"),
                            rs.getString("conversation_id"),
                            rs.getString("recipient_number"),
                            Rows.optionalText(rs, "client_data"),
                            new TelephonyCallConfig(
                                    rs.getInt("ringing_timeout_secs"),
                                    rs.getBoolean("recording_enabled"),
                                    Rows.optionalText(rs, "machine_detection").flatMap(MachineDetection::fromWire)),
                            rs.getString("phone_number_id"),
                            rs.getString("agent_id"),
                            Rows.instant(rs, "dial_at"),
                            Rows.instant(rs, "claimed_at"),
                            rs.getString("previous_node"),
                            now,
                            now.plus(lease),
                            rs.getBoolean("cancel_requested")))
                    .list();
        });
    }
}
