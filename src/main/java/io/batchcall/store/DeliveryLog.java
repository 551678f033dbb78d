package io.batchcall.store;

import io.batchcall.domain.WorkspaceId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * What happened to the events: a webhook's deliveries with every attempt, sending one again, replaying a time range,
 * the pull feed of events, and the backlog the metrics report.
 */
public final class DeliveryLog {
    /** Whether an event type matches one of {@code :patterns}: exactly, {@code prefix.*}, or {@code *}. */
    private static final String TYPE_MATCHES = """
            EXISTS (SELECT 1 FROM unnest(CAST(:patterns AS text[])) AS t(pattern)
                    WHERE t.pattern = '*' OR t.pattern = e.type
                       OR (right(t.pattern, 2) = '.*' AND starts_with(e.type, left(t.pattern, -1))))""";

    private final Jdbi jdbi;
    private final Clock clock;

    public DeliveryLog(Database database, Clock clock) {
        this.jdbi = database.jdbi();
        this.clock = clock;
    }

    public record Delivery(
            String eventId,
            long eventSeq,
            String eventType,
            String state,
            int attempts,
            Instant nextAttemptAt,
            Optional<Integer> lastStatus,
            Optional<String> lastError,
            Instant createdAt,
            Optional<Instant> deliveredAt,
            Optional<String> batchId,
            Optional<String> recipientId,
            Optional<String> conversationId) {}

    public record Attempt(
            int attempt,
            String nodeId,
            Instant startedAt,
            int durationMs,
            Optional<Integer> statusCode,
            Optional<String> errorClass,
            Optional<String> error,
            Optional<String> responseExcerpt,
            Optional<Long> signedAt) {}

    /** One delivery, every attempt in order, and the event's body exactly as it is sent. */
    public record DeliveryDetail(Delivery delivery, List<Attempt> attempts, String body) {}

    public record Filter(
            Optional<String> state, Optional<String> eventType, Optional<String> batchId, Optional<Long> beforeSeq) {}

    /** One event of the pull feed and its place there. */
    public record FeedEvent(
            FeedPosition position,
            String id,
            String type,
            Optional<String> batchId,
            Optional<String> recipientId,
            Optional<String> conversationId,
            Instant occurredAt,
            String body) {}

    /** One endpoint's open deliveries, for the metrics: how many, and since when the oldest waits. */
    public record Backlog(String endpointId, long open, Optional<Instant> oldest) {}

    public enum RetryResult {
        QUEUED,
        NOT_FOUND,
        IN_FLIGHT
    }

    private static final String DELIVERY_COLUMNS = """
            d.event_id, d.event_seq, e.type, d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error,
            d.created_at, d.delivered_at, e.batch_id, e.recipient_id, e.conversation_id""";

    /** A webhook's deliveries, newest event first, {@code limit} at most. */
    public List<Delivery> deliveries(WorkspaceId workspace, String endpointId, Filter filter, int limit) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + DELIVERY_COLUMNS + """
                         FROM webhook_deliveries d
                         JOIN events e ON e.workspace_id = d.workspace_id AND e.writer_xid = d.event_xid
                                        AND e.seq = d.event_seq
                        WHERE d.workspace_id = :workspace AND d.endpoint_id = :endpoint
                          AND (CAST(:state AS text) IS NULL OR d.state = :state)
                          AND (CAST(:type AS text) IS NULL OR e.type = :type)
                          AND (CAST(:batch AS text) IS NULL OR e.batch_id = :batch)
                          AND (CAST(:before AS bigint) IS NULL OR d.event_seq < :before)
                        ORDER BY d.event_seq DESC
                        LIMIT :limit""")
                .bind("workspace", workspace.value())
                .bind("endpoint", endpointId)
                .bind("state", filter.state().orElse(null))
                .bind("type", filter.eventType().orElse(null))
                .bind("batch", filter.batchId().orElse(null))
                .bind("before", filter.beforeSeq().orElse(null))
                .bind("limit", limit)
                .map((rs, ctx) -> delivery(rs))
                .list());
    }

    public Optional<DeliveryDetail> delivery(WorkspaceId workspace, String endpointId, String eventId) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + DELIVERY_COLUMNS + ", e.body" + """
                         FROM webhook_deliveries d
                         JOIN events e ON e.workspace_id = d.workspace_id AND e.writer_xid = d.event_xid
                                        AND e.seq = d.event_seq
                        WHERE d.workspace_id = :workspace AND d.endpoint_id = :endpoint AND d.event_id = :event""")
                .bind("workspace", workspace.value())
                .bind("endpoint", endpointId)
                .bind("event", eventId)
                .map((rs, ctx) -> new DeliveryDetail(delivery(rs), new ArrayList<>(), rs.getString("body")))
                .findOne()
                .map(detail -> new DeliveryDetail(
                        detail.delivery(),
                        handle.createQuery("""
                                SELECT attempt, node_id, started_at, duration_ms, status_code, error_class, error,
                                       response_excerpt, signed_at
                                FROM webhook_attempts
                                WHERE workspace_id = :workspace AND endpoint_id = :endpoint AND event_seq = :seq
                                ORDER BY id""")
                                .bind("workspace", workspace.value())
                                .bind("endpoint", endpointId)
                                .bind("seq", detail.delivery().eventSeq())
                                .map((rs, ctx) -> new Attempt(
                                        rs.getInt("attempt"),
                                        rs.getString("node_id"),
                                        Rows.instant(rs, "started_at"),
                                        rs.getInt("duration_ms"),
                                        Optional.ofNullable((Integer) rs.getObject("status_code")),
                                        Rows.optionalText(rs, "error_class"),
                                        Rows.optionalText(rs, "error"),
                                        Rows.optionalText(rs, "response_excerpt"),
                                        Optional.ofNullable((Long) rs.getObject("signed_at"))))
                                .list(),
                        detail.body())));
    }

    /** Sends one delivery again now, whatever became of it (same webhook-id and body, a new timestamp). */
    public RetryResult retry(WorkspaceId workspace, String endpointId, String eventId) {
        return jdbi.inTransaction(handle -> {
            var state = handle.createQuery("""
                            SELECT d.state FROM webhook_deliveries d
                            JOIN webhook_endpoints w ON w.workspace_id = d.workspace_id AND w.id = d.endpoint_id
                            WHERE d.workspace_id = :workspace AND d.endpoint_id = :endpoint AND d.event_id = :event
                              AND w.deleted_at IS NULL
                            FOR UPDATE OF d""")
                    .bind("workspace", workspace.value())
                    .bind("endpoint", endpointId)
                    .bind("event", eventId)
                    .mapTo(String.class)
                    .findOne();
            if (state.isEmpty()) {
                return RetryResult.NOT_FOUND;
            }
            if (state.get().equals("in_flight")) {
                return RetryResult.IN_FLIGHT;
            }
            handle.createUpdate("""
                            UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = :now
                            WHERE workspace_id = :workspace AND endpoint_id = :endpoint AND event_id = :event""")
                    .bind("workspace", workspace.value())
                    .bind("endpoint", endpointId)
                    .bind("event", eventId)
                    .bind("now", Rows.at(clock.instant()))
                    .execute();
            handle.execute("SELECT pg_notify('" + Outbox.DELIVERIES + "', '')");
            return RetryResult.QUEUED;
        });
    }

    /**
     * Queues the events of a time range for one webhook again, in event order (the same event ids): events it
     * received or gave up on are sent again, events it never had (say, from before it was created) are sent for the
     * first time. {@code patterns} select the event types; {@code onlyFailed} limits the replay to deliveries
     * that were given up. Events already waiting for it are left alone. Returns how many were queued.
     */
    public int replay(
            WorkspaceId workspace,
            String endpointId,
            Instant since,
            Instant until,
            List<String> patterns,
            Optional<String> batchId,
            boolean onlyFailed) {
        return jdbi.inTransaction(handle -> {
            var now = Rows.at(clock.instant());
            int queued = handle.createUpdate("""
                            INSERT INTO webhook_deliveries AS d (workspace_id, endpoint_id, event_seq, event_xid,
                                event_id, ordering_key, state, next_attempt_at, created_at)
                            SELECT e.workspace_id, w.id, e.seq, e.writer_xid, e.id, e.ordering_key,
                                   CASE WHEN w.is_auto_disabled THEN 'held' ELSE 'pending' END, :now, :now
                            FROM events e
                            JOIN webhook_endpoints w ON w.workspace_id = e.workspace_id AND w.id = :endpoint
                                                    AND w.deleted_at IS NULL
                            WHERE e.workspace_id = :workspace AND e.occurred_at >= :since AND e.occurred_at < :until
                              AND e.type <> 'webhook.test'
                              AND (CAST(:batch AS text) IS NULL OR e.batch_id = :batch)
                              AND\s""" + TYPE_MATCHES + """
                              AND (NOT :onlyFailed OR EXISTS (
                                      SELECT 1 FROM webhook_deliveries f
                                      WHERE f.workspace_id = e.workspace_id AND f.endpoint_id = w.id
                                        AND f.event_seq = e.seq AND f.state = 'failed'))
                            ORDER BY e.seq
                            ON CONFLICT (workspace_id, endpoint_id, event_seq) DO UPDATE
                               SET state = EXCLUDED.state, next_attempt_at = EXCLUDED.next_attempt_at
                             WHERE d.state IN ('succeeded', 'failed')""")
                    .bind("workspace", workspace.value())
                    .bind("endpoint", endpointId)
                    .bind("since", Rows.at(since))
                    .bind("until", Rows.at(until))
                    .bind("batch", batchId.orElse(null))
                    .bindArray("patterns", String.class, patterns)
                    .bind("onlyFailed", onlyFailed)
                    .bind("now", now)
                    .execute();
            if (queued > 0) {
                handle.execute("SELECT pg_notify('" + Outbox.DELIVERIES + "', '')");
            }
            return queued;
        });
    }

    /**
     * A place in the pull feed: after the event {@code seq} written by transaction {@code writerXid}. The feed is in
     * (writer_xid, seq) order, which is commit order for every event it shows; the start is {@link #START}.
     */
    public record FeedPosition(long writerXid, long seq) {
        public static final FeedPosition START = new FeedPosition(0, 0);
    }

    /**
     * The pull feed: the workspace's events after {@code after}, optionally of matching types ({@code recipient.*})
     * and one batch. Only events whose transaction is older than every transaction still running are shown: an
     * event that commits later then always comes after the last one shown, so a poller never passes one by. An
     * event committed but not shown yet waits for a transaction that began writing before it did; such transactions
     * take milliseconds, so the read waits for them (at most {@link #FEED_SETTLE_WAIT}) rather than answer a poller
     * without an event it has just caused. A transaction left open (a psql session that wrote and did not commit,
     * say) holds the feed back until it ends.
     */
    public List<FeedEvent> events(
            WorkspaceId workspace, FeedPosition after, List<String> patterns, Optional<String> batchId, int limit) {
        long deadline = System.nanoTime() + FEED_SETTLE_WAIT.toNanos();
        while (true) {
            var read = feedRead(workspace, after, patterns, batchId, limit);
            var settled = read.stream()
                    .takeWhile(FeedRead::settled)
                    .map(FeedRead::event)
                    .toList();
            if (settled.size() == read.size() || System.nanoTime() >= deadline) {
                return settled;
            }
            try {
                Thread.sleep(FEED_SETTLE_POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return settled;
            }
        }
    }

    /** How long a feed read waits for older transactions still running to end before it answers without them. */
    static final Duration FEED_SETTLE_WAIT = Duration.ofMillis(500);

    private static final Duration FEED_SETTLE_POLL = Duration.ofMillis(5);

    /** An event the feed read, and whether every transaction older than its own had ended when it was read. */
    private record FeedRead(FeedEvent event, boolean settled) {}

    private List<FeedRead> feedRead(
            WorkspaceId workspace, FeedPosition after, List<String> patterns, Optional<String> batchId, int limit) {
        // pg_current_snapshot() is the statement's own snapshot: every transaction below its xmin had ended when
        // the rows were read, so each of their committed events is among them.
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT e.writer_xid::text AS writer_xid, e.seq, e.id, e.type, e.batch_id, e.recipient_id,
                               e.conversation_id, e.occurred_at, e.body,
                               e.writer_xid < pg_snapshot_xmin(pg_current_snapshot()) AS settled
                        FROM events e
                        WHERE e.workspace_id = :workspace
                          AND (e.writer_xid, e.seq) > (CAST(:afterXid AS xid8), :afterSeq)
                          AND (CAST(:batch AS text) IS NULL OR e.batch_id = :batch)
                          AND (cardinality(CAST(:patterns AS text[])) = 0 OR\s""" + TYPE_MATCHES + """
                        )
                        ORDER BY e.writer_xid, e.seq
                        LIMIT :limit""")
                .bind("workspace", workspace.value())
                .bind("afterXid", Long.toString(after.writerXid()))
                .bind("afterSeq", after.seq())
                .bind("batch", batchId.orElse(null))
                .bindArray("patterns", String.class, patterns)
                .bind("limit", limit)
                .map((rs, ctx) -> new FeedRead(
                        new FeedEvent(
                                new FeedPosition(Long.parseLong(rs.getString("writer_xid")), rs.getLong("seq")),
                                rs.getString("id"),
                                rs.getString("type"),
                                Rows.optionalText(rs, "batch_id"),
                                Rows.optionalText(rs, "recipient_id"),
                                Rows.optionalText(rs, "conversation_id"),
                                Rows.instant(rs, "occurred_at"),
                                rs.getString("body")),
                        rs.getBoolean("settled")))
                .list());
    }

    /** Every live endpoint's open deliveries (pending, in flight or held), across workspaces. */
    public List<Backlog> backlog() {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT w.id, count(d.event_seq) AS open, min(d.created_at) AS oldest
                        FROM webhook_endpoints w
                        LEFT JOIN webhook_deliveries d ON d.workspace_id = w.workspace_id AND d.endpoint_id = w.id
                                                      AND d.state IN ('pending', 'in_flight', 'held')
                        WHERE w.deleted_at IS NULL
                        GROUP BY w.workspace_id, w.id""")
                .map((rs, ctx) ->
                        new Backlog(rs.getString("id"), rs.getLong("open"), Rows.optionalInstant(rs, "oldest")))
                .list());
    }

    private static Delivery delivery(ResultSet rs) throws SQLException {
        return new Delivery(
                rs.getString("event_id"),
                rs.getLong("event_seq"),
                rs.getString("type"),
                rs.getString("state"),
                rs.getInt("attempts"),
                Rows.instant(rs, "next_attempt_at"),
                Optional.ofNullable((Integer) rs.getObject("last_status")),
                Rows.optionalText(rs, "last_error"),
                Rows.instant(rs, "created_at"),
                Rows.optionalInstant(rs, "delivered_at"),
                Rows.optionalText(rs, "batch_id"),
                Rows.optionalText(rs, "recipient_id"),
                Rows.optionalText(rs, "conversation_id"));
    }
}
