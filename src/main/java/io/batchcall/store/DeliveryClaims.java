package io.batchcall.store;

import io.batchcall.domain.IdSource;
import io.batchcall.domain.WebhookSecret;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.DeliveryStore.Due;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * How a node takes deliveries to send: the fair, ordered claim across endpoints and nodes, and the webhook test
 * that is claimed as it is written. Both lease to this node and read the endpoint's sealed secrets with the
 * delivery, so they share the lease settings and the one mapper that unseals them.
 */
final class DeliveryClaims {
    /** How many endpoints one claim serves at most; the next pass takes the others. */
    private static final int ENDPOINTS_PER_CLAIM = 50;

    private final Jdbi jdbi;
    private final Clock clock;
    private final CredentialCipher cipher;
    private final IdSource ids;
    private final String nodeId;
    private final Duration lease;
    private final int maxInFlightPerEndpoint;

    DeliveryClaims(
            Jdbi jdbi,
            Clock clock,
            CredentialCipher cipher,
            IdSource ids,
            String nodeId,
            Duration lease,
            int maxInFlightPerEndpoint) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.cipher = cipher;
        this.ids = ids;
        this.nodeId = nodeId;
        this.lease = lease;
        this.maxInFlightPerEndpoint = maxInFlightPerEndpoint;
    }

    private record Room(String workspaceId, String endpointId, int room) {}

    /**
     * Claims due deliveries: only the head of each endpoint's ordering key (its lowest event not yet delivered or
     * given up), at most {@code maxInFlightPerEndpoint} in flight per endpoint across all nodes. Endpoint rows are
     * locked with SKIP LOCKED, so that two nodes claim for different endpoints at a time and the in-flight count
     * each one reads cannot grow under it; the claimed deliveries are leased to this node.
     */
    List<Due> claim(int limit) {
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
                                          JOIN events ev ON ev.workspace_id = e.workspace_id AND ev.writer_xid = e.event_xid
                                                        AND ev.seq = e.event_seq
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
                                RETURNING d.workspace_id, d.endpoint_id, d.event_seq, d.event_xid, d.event_id, d.attempts)
                            SELECT c.workspace_id, c.endpoint_id, c.event_seq, c.event_id, c.attempts, ev.type,
                                   ev.body, w.url, w.request_headers::text AS request_headers, w.secret,
                                   CASE WHEN w.previous_secret_until > :now THEN w.previous_secret END
                                       AS previous_secret
                            FROM claimed c
                            JOIN events ev ON ev.workspace_id = c.workspace_id AND ev.writer_xid = c.event_xid
                                            AND ev.seq = c.event_seq
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
    Optional<Due> claimTest(WorkspaceId workspace, String endpointId) {
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
                            RETURNING workspace_id, writer_xid, seq, id, ordering_key),
                        delivery AS (
                            INSERT INTO webhook_deliveries (workspace_id, endpoint_id, event_seq, event_xid, event_id,
                                ordering_key, state, attempts, next_attempt_at, lease_owner, lease_until,
                                created_at)
                            SELECT workspace_id, :endpoint, seq, writer_xid, id, ordering_key, 'in_flight', 1, :now,
                                :node,
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
