package io.batchcall.store;

import io.batchcall.domain.AttemptPhase;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.Claim;
import io.batchcall.domain.DialSlots;
import io.batchcall.domain.RecipientStatus;
import io.batchcall.domain.WorkspaceId;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The claim's writes, in its transaction: its candidates locked, its recipients moved to dispatched, its attempts
 * opened with their leases and counted in flight, and each recipient's move as its event shows it. Apart from
 * {@link ClaimStore}, which decides how many of whom; these only write what it decided.
 */
final class ClaimWrites {
    private final String nodeId;
    private final java.time.Duration lease;

    ClaimWrites(String nodeId, java.time.Duration lease) {
        this.nodeId = nodeId;
        this.lease = lease;
    }

    /**
     * A claim, what its attempt records of the rules that let it through, and its recipient as the claim left it
     * (its {@code recipient.dispatched} event is built from that row, not from a second read).
     */
    record Admission(Claim claim, ClaimGate.Audit audit, io.batchcall.domain.Recipient recipient) {}

    /** Due pending recipients of a batch after a position, locked (SKIP LOCKED: another claim's are passed over). */
    static List<ClaimGate.Candidate> candidates(
            Handle handle, WorkspaceId workspace, String batchId, int after, int limit, Instant now) {
        return handle.createQuery("""
                        SELECT id, position, phone_number, client_data::text AS client_data, attempt_count,
                               next_attempt_at, hold_reason, timezone, region, whatsapp_user_id,
                               client_data -> 'dynamic_variables' ->> 'timezone' AS variable_zone
                        FROM recipients
                        WHERE workspace_id = :workspaceId AND batch_id = :batchId AND pending
                          AND (next_attempt_at IS NULL OR next_attempt_at <= :now) AND position > :after
                        ORDER BY position
                        LIMIT :limit
                        FOR UPDATE SKIP LOCKED""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("after", after)
                .bind("limit", limit)
                .bind("now", Rows.at(now))
                .map((rs, ctx) -> new ClaimGate.Candidate(
                        rs.getString("id"),
                        rs.getInt("position"),
                        Rows.optionalText(rs, "phone_number"),
                        Rows.optionalText(rs, "client_data"),
                        rs.getInt("attempt_count"),
                        Rows.optionalInstant(rs, "next_attempt_at"),
                        Rows.optionalText(rs, "hold_reason"),
                        Rows.optionalText(rs, "timezone"),
                        Rows.optionalText(rs, "region"),
                        Rows.optionalText(rs, "variable_zone"),
                        Rows.optionalText(rs, "whatsapp_user_id")))
                .list();
    }

    /**
     * Moves the admitted recipients to dispatched in one statement, with the zones the rules judged them in, and
     * returns them as it left them, by id. Every one is moved: the candidates were locked pending by this claim.
     */
    static Map<String, io.batchcall.domain.Recipient> dispatched(
            Handle handle, WorkspaceId workspace, String batchId, List<ClaimGate.Admitted> admitted, Instant now) {
        var moved = new HashMap<String, io.batchcall.domain.Recipient>();
        if (admitted.isEmpty()) {
            return moved;
        }
        handle.createQuery("""
                        UPDATE recipients r
                        SET status = 'dispatched', attempt_count = r.attempt_count + 1, hold_reason = NULL,
                            resolved_timezones = string_to_array(d.zones, ' '), timezone_source = d.source,
                            updated_at = :now
                        FROM unnest(:ids, :zones, :sources) AS d(id, zones, source)
                        WHERE r.workspace_id = :workspaceId AND r.batch_id = :batchId AND r.id = d.id
                          AND r.pending
                        RETURNING\s""" + LifecycleEvents.RECIPIENT_COLUMNS)
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("now", Rows.at(now))
                .bindArray(
                        "ids",
                        String.class,
                        admitted.stream().map(a -> a.candidate().id()).toList())
                .bindArray(
                        "zones",
                        String.class,
                        admitted.stream()
                                .map(a -> ClaimGate.zoneList(a.zones()))
                                .toList())
                .bindArray(
                        "sources",
                        String.class,
                        admitted.stream().map(a -> ClaimGate.source(a.zones())).toList())
                .map(RecipientStore::recipient)
                .forEach(recipient -> moved.put(recipient.id(), recipient));
        return moved;
    }

    /** Opens the attempts and counts them in flight, in the lock order workspace, agents, batches. */
    void recordClaims(
            Handle handle,
            WorkspaceId workspace,
            List<Admission> admissions,
            Map<String, DialSlots> pacing,
            Instant now) {
        if (admissions.isEmpty()) {
            return;
        }
        var claims = admissions.stream().map(Admission::claim).toList();
        var usedNumbers = List.copyOf(
                new java.util.TreeSet<>(claims.stream().map(c -> c.from().id()).toList()));
        // The numbers' next free dial slots are written by the same statement: one round trip fewer per claim.
        handle.createUpdate("""
                        WITH paced AS (
                            UPDATE phone_numbers p SET next_dial_at = n.next
                            FROM unnest(:numberIds, :nextDialAts) AS n(id, next)
                            WHERE p.workspace_id = :workspaceId AND p.id = n.id)
                        INSERT INTO attempts (workspace_id, id, batch_id, recipient_id, attempt_number, agent_id,
                            phone_number_id, provider, conversation_id, node_id, lease_owner, phase, lease_expires_at,
                            dial_at, claimed_at, to_number, local_time, timezone, policy)
                        SELECT :workspaceId, a.id, a.batch_id, a.recipient_id, a.attempt_number, a.agent_id,
                            a.phone_number_id, a.provider, a.conversation_id, :nodeId, :nodeId, :dialing, :leaseUntil,
                            a.dial_at, :now, a.to_number, a.local_time, a.timezone, a.policy
                        FROM unnest(:ids, :batchIds, :recipientIds, :attemptNumbers, :agentIds, :phoneNumberIds,
                                    :providers, :conversationIds, :dialAts, :toNumbers, :localTimes, :timezones,
                                    :policies)
                            AS a(id, batch_id, recipient_id, attempt_number, agent_id, phone_number_id, provider,
                                 conversation_id, dial_at, to_number, local_time, timezone, policy)""")
                .bind("workspaceId", workspace.value())
                .bind("nodeId", nodeId)
                .bind("leaseUntil", Rows.at(now.plus(lease)))
                .bind("dialing", AttemptPhase.DIALING.wireName())
                .bind("now", Rows.at(now))
                .bindArray(
                        "ids",
                        String.class,
                        claims.stream().map(c -> c.attempt().attemptId()).toList())
                .bindArray(
                        "batchIds",
                        String.class,
                        claims.stream().map(Claim::batchId).toList())
                .bindArray(
                        "recipientIds",
                        String.class,
                        claims.stream().map(Claim::recipientId).toList())
                .bindArray(
                        "attemptNumbers",
                        Integer.class,
                        claims.stream().map(Claim::attemptNumber).toList())
                .bindArray(
                        "agentIds",
                        String.class,
                        claims.stream().map(c -> c.agent().id()).toList())
                .bindArray(
                        "phoneNumberIds",
                        String.class,
                        claims.stream().map(c -> c.from().id()).toList())
                .bindArray(
                        "providers",
                        String.class,
                        claims.stream().map(c -> c.from().provider().wireName()).toList())
                .bindArray(
                        "conversationIds",
                        String.class,
                        claims.stream().map(Claim::conversationId).toList())
                .bindArray(
                        "dialAts",
                        java.time.OffsetDateTime.class,
                        claims.stream().map(c -> Rows.at(c.dialAt())).toList())
                .bindArray(
                        "toNumbers",
                        String.class,
                        admissions.stream()
                                .map(a -> a.audit().toNumber().orElse(null))
                                .toList())
                .bindArray(
                        "localTimes",
                        String.class,
                        admissions.stream()
                                .map(a -> a.audit().localTime().orElse(null))
                                .toList())
                .bindArray(
                        "timezones",
                        String.class,
                        admissions.stream()
                                .map(a -> a.audit().timezone().orElse(null))
                                .toList())
                .bindArray(
                        "policies",
                        String.class,
                        admissions.stream().map(a -> a.audit().policy()).toList())
                .bindArray("numberIds", String.class, usedNumbers)
                .bindArray(
                        "nextDialAts",
                        java.time.OffsetDateTime.class,
                        usedNumbers.stream()
                                .map(id -> Rows.at(pacing.get(id).nextFree()))
                                .toList())
                .execute();
        InFlight.claimed(handle, workspace, claims, now);
    }

    /**
     * A claim's recipient move, with the recipient and the attempt as the claim left them: the event needs no read
     * of either (an attempt just opened is dialing, with no call, times or outcome yet).
     */
    static LifecycleEvents.RecipientMove dispatchedMove(Admission admission) {
        var claim = admission.claim();
        return new LifecycleEvents.RecipientMove(
                new BatchRef(claim.attempt().workspaceId(), claim.batchId()),
                claim.recipientId(),
                RecipientStatus.PENDING.wireName(),
                Optional.of(claim.attempt()),
                Optional.of(admission.recipient()),
                Optional.of(new LifecycleEvents.AttemptAfter(
                        new io.batchcall.wire.EventWire.AttemptData(
                                claim.attemptNumber(),
                                AttemptPhase.DIALING.wireName(),
                                null,
                                claim.from().provider().wireName(),
                                null,
                                null,
                                null,
                                null,
                                null,
                                null,
                                claim.conversationId(),
                                null),
                        claim.agent().id())));
    }
}
