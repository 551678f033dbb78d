package io.batchcall.store;

import io.batchcall.domain.DeliveryAttempt;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.RetrySchedule;
import io.batchcall.domain.WebhookSecret;
import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.jdbi.v3.core.Jdbi;

/**
 * The webhook sender's side of the outbox: claiming due deliveries across nodes, recording each attempt with what
 * it means for the delivery (delivered, retried later, given up, held) and for its endpoint's health, and taking
 * back deliveries whose node stopped before recording them.
 */
public final class DeliveryStore {
    /** The channel the outbox notifies when it created deliveries. */
    public static final String CHANNEL = Outbox.DELIVERIES;

    private final Jdbi jdbi;
    private final Clock clock;
    private final DeliveryClaims claims;
    private final DeliveryRecording recording;

    public DeliveryStore(
            Database database,
            Clock clock,
            CredentialCipher cipher,
            IdSource ids,
            String nodeId,
            Duration lease,
            int maxInFlightPerEndpoint,
            RetrySchedule schedule,
            RandomGenerator random) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.claims = new DeliveryClaims(jdbi, clock, cipher, ids, nodeId, lease, maxInFlightPerEndpoint);
        this.recording = new DeliveryRecording(jdbi, clock, nodeId, schedule, random, new Outbox(ids));
    }

    /**
     * A delivery this node holds the lease of: what to send where, signed with which secrets. {@code
     * previousSecret} is the rotated-out secret while its grace period lasts.
     */
    public record Due(
            WorkspaceId workspace,
            String endpointId,
            long eventSeq,
            String eventId,
            String eventType,
            int attempt,
            String url,
            Map<String, String> requestHeaders,
            WebhookSecret secret,
            Optional<WebhookSecret> previousSecret,
            String body) {
        @Override
        public String toString() {
            return "Due[endpoint=" + endpointId + ", event=" + eventId + ", attempt=" + attempt + "]";
        }
    }

    /** What an attempt meant for its delivery. */
    public enum Recorded {
        SUCCEEDED,
        RETRYING,
        FAILED,
        /** Its endpoint is (now) disabled automatically; the delivery waits for it to be enabled again. */
        HELD,
        /** The lease had been taken back meanwhile: the attempt is logged, the delivery is another node's. */
        STALE
    }

    /**
     * Claims due deliveries: only the head of each endpoint's ordering key, at most {@code maxInFlightPerEndpoint}
     * in flight per endpoint across all nodes, leased to this node.
     */
    public List<Due> claim(int limit) {
        return claims.claim(limit);
    }

    /**
     * Writes a {@code webhook.test} event for one endpoint only and leases its delivery to this node at once, so
     * that the caller sends it now and answers with the attempt. Empty when there is no such live webhook.
     */
    public Optional<Due> claimTest(WorkspaceId workspace, String endpointId) {
        return claims.claimTest(workspace, endpointId);
    }

    /**
     * Records one attempt and decides, in one transaction, what it means: a 2xx delivers and resets the endpoint's
     * failure count; anything else counts a failure, then disables the endpoint (410, or ElevenLabs' rule) and
     * holds its deliveries, or schedules the next attempt, or gives the delivery up when the schedule is used up
     * or the endpoint's retries are off.
     */
    public Recorded record(Due due, DeliveryAttempt attempt) {
        return recording.record(due, attempt);
    }

    /**
     * Takes back deliveries whose lease ran out (their node died or hung mid-attempt): due again at once, with an
     * attempt logged as {@code lease_expired}. The receiver may have had the first send; the resend carries the
     * same webhook-id and body, which is what at-least-once promises.
     */
    public int reapExpiredLeases() {
        var now = clock.instant();
        return jdbi.inTransaction(
                handle -> handle.createUpdate("""
                        WITH expired AS (
                            SELECT workspace_id, endpoint_id, event_seq, attempts, lease_owner
                            FROM webhook_deliveries
                            WHERE state = 'in_flight' AND lease_until < :now
                            FOR UPDATE SKIP LOCKED),
                        reaped AS (
                            UPDATE webhook_deliveries d
                               SET state = 'pending', lease_owner = NULL, lease_until = NULL, next_attempt_at = :now
                              FROM expired e
                             WHERE d.workspace_id = e.workspace_id AND d.endpoint_id = e.endpoint_id
                               AND d.event_seq = e.event_seq
                            RETURNING d.workspace_id)
                        INSERT INTO webhook_attempts (workspace_id, endpoint_id, event_seq, attempt, node_id,
                            started_at, duration_ms, error_class, error)
                        SELECT workspace_id, endpoint_id, event_seq, attempts, lease_owner, :now, 0, 'lease_expired',
                               'the node sending it stopped before recording a result'
                        FROM expired""").bind("now", Rows.at(now)).execute());
    }
}
