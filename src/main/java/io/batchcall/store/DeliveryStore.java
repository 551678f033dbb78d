package io.batchcall.store;

import io.batchcall.domain.DeliveryAttempt;
import io.batchcall.domain.EndpointHealth;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.RetrySchedule;
import io.batchcall.domain.WebhookSecret;
import io.batchcall.domain.WorkspaceId;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The webhook sender's side of the outbox: claiming due deliveries across nodes, recording each attempt with what
 * it means for the delivery (delivered, retried later, given up, held) and for its endpoint's health, and taking
 * back deliveries whose node stopped before recording them.
 */
public final class DeliveryStore {
    /** The channel the outbox notifies when it created deliveries. */
    public static final String CHANNEL = Outbox.DELIVERIES;
    /** How many endpoints one claim serves at most; the next pass takes the others. */
    private static final int ENDPOINTS_PER_CLAIM = 50;

    private final Jdbi jdbi;
    private final Clock clock;
    private final CredentialCipher cipher;
    private final IdSource ids;
    private final String nodeId;
    private final Duration lease;
    private final int maxInFlightPerEndpoint;
    private final RetrySchedule schedule;
    private final RandomGenerator random;
    private final Outbox outbox;

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
        this.cipher = cipher;
        this.ids = ids;
        this.nodeId = nodeId;
        this.lease = lease;
        this.maxInFlightPerEndpoint = maxInFlightPerEndpoint;
        this.schedule = schedule;
        this.random = random;
        this.outbox = new Outbox(ids);
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

    private record Room(String workspaceId, String endpointId, int room) {}

    /**
     * Claims due deliveries: only the head of each endpoint's ordering key (its lowest event not yet delivered or
     * given up), at most {@code maxInFlightPerEndpoint} in flight per endpoint across all nodes. Endpoint rows are
     * locked with SKIP LOCKED, so that two nodes claim for different endpoints at a time and the in-flight count
     * each one reads cannot grow under it; the claimed deliveries are leased to this node.
     */
    public List<Due> claim(int limit) {
        var now = clock.instant();
        return jdbi.inTransaction(handle -> {
            var rooms = handle
                    .createQuery("""
                            SELECT w.workspace_id, w.id,
                                   :max - (SELECT count(*) FROM webhook_deliveries f
                                           WHERE f.workspace_id = w.workspace_id AND f.endpoint_id = w.id
                                             AND f.state = 'in_flight') AS room
                            FROM webhook_endpoints w
                            WHERE w.deleted_at IS NULL AND NOT w.is_disabled AND NOT w.is_auto_disabled
                              AND EXISTS (SELECT 1 FROM webhook_deliveries d
                                          WHERE d.workspace_id = w.workspace_id AND d.endpoint_id = w.id
                                            AND d.state = 'pending' AND d.next_attempt_at <= :now)
                            LIMIT :endpoints
                            FOR NO KEY UPDATE OF w SKIP LOCKED""")
                    .bind("max", maxInFlightPerEndpoint)
                    .bind("now", Rows.at(now))
                    .bind("endpoints", ENDPOINTS_PER_CLAIM)
                    .map((rs, ctx) -> new Room(rs.getString("workspace_id"), rs.getString("id"), rs.getInt("room")))
                    .list()
                    .stream()
                    .filter(r -> r.room() > 0)
                    .toList();
            if (rooms.isEmpty()) {
                return List.<Due>of();
            }
            return handle.createQuery("""
                            WITH room AS (
                                SELECT * FROM unnest(:workspaces, :endpoints, :rooms) AS r(workspace_id, endpoint_id,
                                                                                          room)),
                            heads AS (
                                -- Due and at the head of its key: no earlier delivery of the key is still open.
                                SELECT d.workspace_id, d.endpoint_id, d.event_seq, r.room,
                                       row_number() OVER (PARTITION BY d.workspace_id, d.endpoint_id
                                                          ORDER BY d.next_attempt_at, d.event_seq) AS rank
                                FROM webhook_deliveries d
                                JOIN room r ON r.workspace_id = d.workspace_id AND r.endpoint_id = d.endpoint_id
                                WHERE d.state = 'pending' AND d.next_attempt_at <= :now
                                  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
                                                  WHERE e.workspace_id = d.workspace_id
                                                    AND e.endpoint_id = d.endpoint_id
                                                    AND e.ordering_key = d.ordering_key
                                                    AND e.event_seq < d.event_seq
                                                    AND e.state IN ('pending', 'in_flight', 'held'))
                                  -- A batch's own event also waits for every earlier event of the batch (its
                                  -- recipients' keys included), so that a receiver gets batch.completed after all of
                                  -- them. Recipient keys never wait for batch events: no cycle.
                                  AND NOT (starts_with(d.ordering_key, 'batch:') AND EXISTS (
                                          SELECT 1 FROM webhook_deliveries e
                                          JOIN events ev ON ev.workspace_id = e.workspace_id AND ev.seq = e.event_seq
                                          WHERE e.workspace_id = d.workspace_id
                                            AND e.endpoint_id = d.endpoint_id
                                            AND e.event_seq < d.event_seq
                                            AND e.state IN ('pending', 'in_flight', 'held')
                                            AND ev.batch_id = substr(d.ordering_key, 7)))),
                            chosen AS (
                                SELECT workspace_id, endpoint_id, event_seq FROM heads WHERE rank <= room
                                ORDER BY rank, event_seq LIMIT :limit),
                            claimed AS (
                                UPDATE webhook_deliveries d
                                   SET state = 'in_flight', attempts = d.attempts + 1, lease_owner = :node,
                                       lease_until = :leaseUntil
                                  FROM chosen c
                                 WHERE d.workspace_id = c.workspace_id AND d.endpoint_id = c.endpoint_id
                                   AND d.event_seq = c.event_seq
                                RETURNING d.workspace_id, d.endpoint_id, d.event_seq, d.event_id, d.attempts)
                            SELECT c.workspace_id, c.endpoint_id, c.event_seq, c.event_id, c.attempts, ev.type,
                                   ev.body, w.url, w.request_headers::text AS request_headers, w.secret,
                                   CASE WHEN w.previous_secret_until > :now THEN w.previous_secret END
                                       AS previous_secret
                            FROM claimed c
                            JOIN events ev ON ev.workspace_id = c.workspace_id AND ev.seq = c.event_seq
                            JOIN webhook_endpoints w ON w.workspace_id = c.workspace_id AND w.id = c.endpoint_id
                            ORDER BY c.event_seq""")
                    .bindArray(
                            "workspaces",
                            String.class,
                            rooms.stream().map(Room::workspaceId).toList())
                    .bindArray(
                            "endpoints",
                            String.class,
                            rooms.stream().map(Room::endpointId).toList())
                    .bindArray(
                            "rooms",
                            Integer.class,
                            rooms.stream().map(Room::room).toList())
                    .bind("now", Rows.at(now))
                    .bind("limit", limit)
                    .bind("node", nodeId)
                    .bind("leaseUntil", Rows.at(now.plus(lease)))
                    .map((rs, ctx) -> due(rs))
                    .list();
        });
    }

    /**
     * Writes a {@code webhook.test} event for one endpoint only and leases its delivery to this node at once, so
     * that the caller sends it now and answers with the attempt. Empty when there is no such live webhook.
     */
    public Optional<Due> claimTest(WorkspaceId workspace, String endpointId) {
        var now = clock.instant();
        var eventId = ids.next(Outbox.ID_PREFIX);
        var event = new Outbox.Event(
                workspace,
                "webhook.test",
                "webhook:" + endpointId,
                null,
                null,
                null,
                null,
                Map.of("webhook_id", endpointId, "message", "A test event from batchcall"));
        var body = Outbox.envelope(event, eventId, now);
        return jdbi.inTransaction(handle -> handle.createQuery("""
                        WITH endpoint AS (
                            SELECT workspace_id, id FROM webhook_endpoints
                            WHERE workspace_id = :workspace AND id = :endpoint AND deleted_at IS NULL),
                        inserted AS (
                            INSERT INTO events (workspace_id, id, type, ordering_key, occurred_at, body)
                            SELECT workspace_id, :eventId, 'webhook.test', :key, :now, :body FROM endpoint
                            RETURNING workspace_id, seq, id, ordering_key),
                        delivery AS (
                            INSERT INTO webhook_deliveries (workspace_id, endpoint_id, event_seq, event_id,
                                ordering_key, state, attempts, next_attempt_at, lease_owner, lease_until,
                                created_at)
                            SELECT workspace_id, :endpoint, seq, id, ordering_key, 'in_flight', 1, :now, :node,
                                :leaseUntil, :now
                            FROM inserted
                            RETURNING workspace_id, endpoint_id, event_seq, event_id, attempts)
                        SELECT c.workspace_id, c.endpoint_id, c.event_seq, c.event_id, c.attempts,
                               'webhook.test' AS type, :body AS body, w.url,
                               w.request_headers::text AS request_headers, w.secret,
                               CASE WHEN w.previous_secret_until > :now THEN w.previous_secret END AS previous_secret
                        FROM delivery c
                        JOIN webhook_endpoints w ON w.workspace_id = c.workspace_id AND w.id = c.endpoint_id""")
                .bind("workspace", workspace.value())
                .bind("endpoint", endpointId)
                .bind("eventId", eventId)
                .bind("key", event.orderingKey())
                .bind("body", body)
                .bind("now", Rows.at(now))
                .bind("node", nodeId)
                .bind("leaseUntil", Rows.at(now.plus(lease)))
                .map((rs, ctx) -> due(rs))
                .findOne());
    }

    /**
     * Records one attempt and decides, in one transaction, what it means: a 2xx delivers and resets the endpoint's
     * failure count; anything else counts a failure, then disables the endpoint (410, or ElevenLabs' rule) and
     * holds its deliveries, or schedules the next attempt, or gives the delivery up when the schedule is used up
     * or the endpoint's retries are off.
     */
    public Recorded record(Due due, DeliveryAttempt attempt) {
        var now = clock.instant();
        return jdbi.inTransaction(handle -> {
            insertAttempt(handle, due, attempt);
            var answered = attempt.result() instanceof DeliveryAttempt.Result.Answered a
                    ? Optional.of(a)
                    : Optional.<DeliveryAttempt.Result.Answered>empty();
            var error = switch (attempt.result()) {
                case DeliveryAttempt.Result.Answered a ->
                    a.status() >= 200 && a.status() < 300 ? null : "HTTP " + a.status();
                case DeliveryAttempt.Result.NoAnswer n -> n.errorClass() + ": " + n.error();
            };
            if (attempt.succeeded()) {
                handle.createUpdate("""
                                UPDATE webhook_endpoints SET consecutive_failures = 0, last_success_at = :now
                                WHERE workspace_id = :workspace AND id = :endpoint""")
                        .bind("workspace", due.workspace().value())
                        .bind("endpoint", due.endpointId())
                        .bind("now", Rows.at(now))
                        .execute();
                return moveDelivery(handle, due, "succeeded", now, answered.map(a -> a.status()), null, now)
                        ? Recorded.SUCCEEDED
                        : Recorded.STALE;
            }
            var endpoint = handle.createQuery("""
                            UPDATE webhook_endpoints
                               SET consecutive_failures = consecutive_failures + 1,
                                   most_recent_failure_error_code = :status, most_recent_failure_at = :now
                             WHERE workspace_id = :workspace AND id = :endpoint
                            RETURNING consecutive_failures, last_success_at, retry_enabled, is_auto_disabled""")
                    .bind("workspace", due.workspace().value())
                    .bind("endpoint", due.endpointId())
                    .bind("status", attempt.status().orElse(null))
                    .bind("now", Rows.at(now))
                    .map((rs, ctx) -> new EndpointAfterFailure(
                            new EndpointHealth(
                                    rs.getInt("consecutive_failures"), Rows.optionalInstant(rs, "last_success_at")),
                            rs.getBoolean("retry_enabled"),
                            rs.getBoolean("is_auto_disabled")))
                    .one();
            var status = attempt.status();
            boolean disable = !endpoint.autoDisabled()
                    && (attempt.gone() || endpoint.health().shouldAutoDisable(now));
            if (disable || endpoint.autoDisabled()) {
                if (disable) {
                    disableAndHold(handle, due, attempt.gone() ? "gone" : "failures", endpoint, now);
                }
                return moveDelivery(handle, due, "held", now, status, error, null) ? Recorded.HELD : Recorded.STALE;
            }
            var delay = endpoint.retryEnabled() && !due.eventType().equals("webhook.test")
                    ? schedule.delayAfter(due.attempt(), attempt.retryAfter(), random)
                    : Optional.<Duration>empty();
            if (delay.isPresent()) {
                return moveDelivery(handle, due, "pending", now.plus(delay.get()), status, error, null)
                        ? Recorded.RETRYING
                        : Recorded.STALE;
            }
            return moveDelivery(handle, due, "failed", now, status, error, null) ? Recorded.FAILED : Recorded.STALE;
        });
    }

    private record EndpointAfterFailure(EndpointHealth health, boolean retryEnabled, boolean autoDisabled) {}

    /**
     * Disables the endpoint, holds its pending deliveries, and writes {@code webhook.endpoint_disabled} (to the
     * workspace's webhooks that subscribe to {@code webhook.*}), all in the attempt's transaction.
     */
    private void disableAndHold(Handle handle, Due due, String reason, EndpointAfterFailure endpoint, Instant now) {
        handle.createUpdate("""
                        UPDATE webhook_endpoints SET is_auto_disabled = true, disabled_reason = :reason
                        WHERE workspace_id = :workspace AND id = :endpoint""")
                .bind("workspace", due.workspace().value())
                .bind("endpoint", due.endpointId())
                .bind("reason", reason)
                .execute();
        handle.createUpdate("""
                        UPDATE webhook_deliveries SET state = 'held'
                        WHERE workspace_id = :workspace AND endpoint_id = :endpoint AND state = 'pending'""")
                .bind("workspace", due.workspace().value())
                .bind("endpoint", due.endpointId())
                .execute();
        var data = new java.util.LinkedHashMap<String, Object>();
        data.put("webhook_id", due.endpointId());
        data.put("reason", reason);
        data.put("consecutive_failures", endpoint.health().consecutiveFailures());
        data.put(
                "last_success_at_unix",
                endpoint.health().lastSuccessAt().map(Instant::getEpochSecond).orElse(null));
        data.put("disabled_at_unix", now.getEpochSecond());
        outbox.append(
                handle,
                List.of(new Outbox.Event(
                        due.workspace(),
                        "webhook.endpoint_disabled",
                        "webhook:" + due.endpointId(),
                        null,
                        null,
                        null,
                        null,
                        data)),
                now);
    }

    /** Moves a delivery this node holds the lease of; false when the lease was taken back meanwhile. */
    private boolean moveDelivery(
            Handle handle,
            Due due,
            String state,
            Instant nextAttemptAt,
            Optional<Integer> status,
            String error,
            Instant deliveredAt) {
        return handle.createUpdate("""
                        UPDATE webhook_deliveries
                           SET state = :state, next_attempt_at = :next, lease_owner = NULL, lease_until = NULL,
                               last_status = :status, last_error = :error,
                               delivered_at = COALESCE(:deliveredAt, delivered_at)
                         WHERE workspace_id = :workspace AND endpoint_id = :endpoint AND event_seq = :seq
                           AND state = 'in_flight' AND lease_owner = :node AND attempts = :attempt""")
                        .bind("state", state)
                        .bind("next", Rows.at(nextAttemptAt))
                        .bind("status", status.orElse(null))
                        .bind("error", error)
                        .bind("deliveredAt", Rows.at(deliveredAt))
                        .bind("workspace", due.workspace().value())
                        .bind("endpoint", due.endpointId())
                        .bind("seq", due.eventSeq())
                        .bind("node", nodeId)
                        .bind("attempt", due.attempt())
                        .execute()
                == 1;
    }

    private void insertAttempt(Handle handle, Due due, DeliveryAttempt attempt) {
        String errorClass = null;
        String error = null;
        String excerpt = null;
        Integer status = null;
        switch (attempt.result()) {
            case DeliveryAttempt.Result.Answered a -> {
                status = a.status();
                excerpt = a.excerpt();
                errorClass = a.status() >= 200 && a.status() < 300 ? null : "http";
            }
            case DeliveryAttempt.Result.NoAnswer n -> {
                errorClass = n.errorClass();
                error = n.error();
            }
        }
        handle.createUpdate("""
                        INSERT INTO webhook_attempts (workspace_id, endpoint_id, event_seq, attempt, node_id,
                            started_at, duration_ms, status_code, error_class, error, response_excerpt, signed_at)
                        VALUES (:workspace, :endpoint, :seq, :attempt, :node, :startedAt, :durationMs, :status,
                            :errorClass, :error, :excerpt, :signedAt)""")
                .bind("workspace", due.workspace().value())
                .bind("endpoint", due.endpointId())
                .bind("seq", due.eventSeq())
                .bind("attempt", attempt.number())
                .bind("node", nodeId)
                .bind("startedAt", Rows.at(attempt.startedAt()))
                .bind("durationMs", (int)
                        Math.min(Integer.MAX_VALUE, attempt.duration().toMillis()))
                .bind("status", status)
                .bind("errorClass", errorClass)
                .bind("error", error)
                .bind("excerpt", excerpt)
                .bind("signedAt", attempt.signedAt())
                .execute();
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

    private Due due(ResultSet rs) throws SQLException {
        var previous = rs.getBytes("previous_secret");
        return new Due(
                new WorkspaceId(rs.getString("workspace_id")),
                rs.getString("endpoint_id"),
                rs.getLong("event_seq"),
                rs.getString("event_id"),
                rs.getString("type"),
                rs.getInt("attempts"),
                rs.getString("url"),
                WebhookStore.headers(rs.getString("request_headers")),
                unseal(rs.getBytes("secret")),
                Optional.ofNullable(previous).map(this::unseal),
                rs.getString("body"));
    }

    private WebhookSecret unseal(byte[] sealed) {
        return new WebhookSecret(new String(cipher.decrypt(sealed), StandardCharsets.UTF_8));
    }
}
