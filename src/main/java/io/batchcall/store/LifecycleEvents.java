package io.batchcall.store;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.BatchStatus;
import io.batchcall.domain.BatchSummary;
import io.batchcall.domain.Recipient;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.wire.BatchWire;
import io.batchcall.wire.EventWire;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The events the lifecycle writes, built from the rows as the change left them, inside the change's transaction:
 * a recipient's status moved ({@code recipient.<status>}), a batch's status moved ({@code batch.<what>}). Each
 * builder reads what it needs for a whole group in a few statements, not one per event (and nothing the writer
 * already has). A call's own events, not status moves, are {@link CallEvents}.
 */
final class LifecycleEvents {
    private LifecycleEvents() {}

    /**
     * A recipient whose status changed (by an attempt, or by a batch-wide move when {@code attempt} is empty).
     * {@code after} and {@code attemptAfter} are the recipient and attempt as the change left them, when the writer
     * has them already (a statement's RETURNING rows, an attempt it just inserted); the rest are read.
     */
    record RecipientMove(
            BatchRef batch,
            String recipientId,
            String previousStatus,
            Optional<AttemptRef> attempt,
            Optional<Recipient> after,
            Optional<AttemptAfter> attemptAfter) {
        RecipientMove(BatchRef batch, String recipientId, String previousStatus, Optional<AttemptRef> attempt) {
            this(batch, recipientId, previousStatus, attempt, Optional.empty(), Optional.empty());
        }

        RecipientMove(
                BatchRef batch,
                String recipientId,
                String previousStatus,
                Optional<AttemptRef> attempt,
                Optional<Recipient> after) {
            this(batch, recipientId, previousStatus, attempt, after, Optional.empty());
        }

        /** The same move, with its attempt as the writer left it (so that the event needs no read of it). */
        RecipientMove withAttemptAfter(Optional<AttemptAfter> attemptAfter) {
            return new RecipientMove(batch, recipientId, previousStatus, attempt, after, attemptAfter);
        }
    }

    /** An attempt as a recipient event shows it, and its agent. */
    record AttemptAfter(EventWire.AttemptData data, String agentId) {
        /** The columns {@link #of} reads, as a statement on {@code attempts a} selects or returns them. */
        static final String COLUMNS = """
                a.agent_id, a.attempt_number, a.phase, a.outcome, a.provider, a.provider_call_id, a.sip_code,
                a.provider_status, a.dialed_at, a.answered_at, a.ended_at, a.conversation_id, a.failure_reason""";

        static AttemptAfter of(java.sql.ResultSet rs) throws java.sql.SQLException {
            return new AttemptAfter(
                    new EventWire.AttemptData(
                            rs.getInt("attempt_number"),
                            rs.getString("phase"),
                            rs.getString("outcome"),
                            rs.getString("provider"),
                            rs.getString("provider_call_id"),
                            (Integer) rs.getObject("sip_code"),
                            rs.getString("provider_status"),
                            unix(Rows.optionalInstant(rs, "dialed_at")),
                            unix(Rows.optionalInstant(rs, "answered_at")),
                            unix(Rows.optionalInstant(rs, "ended_at")),
                            rs.getString("conversation_id"),
                            rs.getString("failure_reason")),
                    rs.getString("agent_id"));
        }
    }

    /** A batch whose status changed: {@code type} is the event type, e.g. {@code batch.completed}. */
    record BatchMove(BatchRef batch, String type, String previousStatus) {}

    private record RecipientKey(String workspaceId, String batchId, String id) {}

    static List<Outbox.Event> recipientEvents(Handle handle, List<RecipientMove> moves) {
        return recipientEvents(handle, moves, Optional.empty());
    }

    /**
     * The same, under one type for all instead of {@code recipient.<status>}: a move that keeps the status but
     * changes why it waits ({@code recipient.held}, {@code recipient.retry_scheduled}).
     */
    static List<Outbox.Event> recipientEvents(Handle handle, List<RecipientMove> moves, Optional<String> type) {
        return recipientEvents(handle, moves, type, new Counts());
    }

    /** The same, with the batches' counts read once for all of a transaction's events ({@link Counts}). */
    static List<Outbox.Event> recipientEvents(
            Handle handle, List<RecipientMove> moves, Optional<String> type, Counts counts) {
        if (moves.isEmpty()) {
            return List.of();
        }
        // A move whose statement returned the row as it left it needs no second read of it.
        var recipients = recipients(
                handle, moves.stream().filter(m -> m.after().isEmpty()).toList());
        moves.forEach(m -> m.after()
                .ifPresent(after -> recipients.put(
                        new RecipientKey(
                                m.batch().workspaceId().value(), m.batch().batchId(), m.recipientId()),
                        after)));
        var attempts = attempts(
                handle,
                moves.stream()
                        .filter(m -> m.attemptAfter().isEmpty())
                        .flatMap(m -> m.attempt().stream())
                        .toList());
        moves.forEach(m -> m.attemptAfter()
                .ifPresent(after -> attempts.put(m.attempt().orElseThrow().attemptId(), after)));
        var batches = counts.of(
                handle, moves.stream().map(RecipientMove::batch).distinct().toList());
        var events = new ArrayList<Outbox.Event>(moves.size());
        for (var move : moves) {
            var recipient = recipients.get(new RecipientKey(
                    move.batch().workspaceId().value(), move.batch().batchId(), move.recipientId()));
            if (recipient == null) {
                continue;
            }
            var attempt = move.attempt().map(ref -> attempts.get(ref.attemptId()));
            var data = new EventWire.RecipientEvent(
                    move.batch().batchId(),
                    move.previousStatus(),
                    BatchWire.recipient(recipient),
                    attempt.map(AttemptAfter::data).orElse(null),
                    batches.get(move.batch()));
            events.add(new Outbox.Event(
                    move.batch().workspaceId(),
                    type.orElse("recipient." + recipient.status().wireName()),
                    Outbox.recipientKey(move.batch().batchId(), move.recipientId()),
                    move.batch().batchId(),
                    move.recipientId(),
                    recipient.conversationId().orElse(null),
                    attempt.map(AttemptAfter::agentId).orElse(null),
                    data));
        }
        return events;
    }

    static List<Outbox.Event> batchEvents(Handle handle, List<BatchMove> moves) {
        if (moves.isEmpty()) {
            return List.of();
        }
        var summaries = new HashMap<BatchRef, BatchSummary>();
        handle.createQuery(BatchRows.SUMMARY + """
                        WHERE (b.workspace_id, b.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))""")
                .bindArray(
                        "workspaceIds",
                        String.class,
                        moves.stream().map(m -> m.batch().workspaceId().value()).toList())
                .bindArray(
                        "ids",
                        String.class,
                        moves.stream().map(m -> m.batch().batchId()).toList())
                .map(BatchRows::batchSummary)
                .forEach(summary -> summaries.put(
                        new BatchRef(
                                summary.batch().workspaceId(), summary.batch().id()),
                        summary));
        var events = new ArrayList<Outbox.Event>(moves.size());
        for (var move : moves) {
            var summary = summaries.get(move.batch());
            if (summary == null) {
                continue;
            }
            var status = summary.batch().status();
            var data = new EventWire.BatchEvent(
                    BatchWire.batch(summary),
                    move.previousStatus(),
                    status.isFinal() ? statusCounts(handle, move.batch()) : null);
            events.add(new Outbox.Event(
                    move.batch().workspaceId(),
                    move.type(),
                    Outbox.batchKey(move.batch().batchId()),
                    move.batch().batchId(),
                    null,
                    null,
                    summary.batch().agentId(),
                    data));
        }
        return events;
    }

    /** {@code batch.deleted}: written before the rows go, with the status the batch had. */
    static Outbox.Event batchDeleted(BatchRef batch, String agentId, BatchStatus previous) {
        return new Outbox.Event(
                batch.workspaceId(),
                "batch.deleted",
                Outbox.batchKey(batch.batchId()),
                batch.batchId(),
                null,
                null,
                agentId,
                new EventWire.DeletedBatch(batch.batchId(), previous.wireName()));
    }

    /** The columns {@link RecipientStore#recipient} maps, for a SELECT or an UPDATE's RETURNING. */
    static final String RECIPIENT_COLUMNS = """
            r.batch_id, r.id, r.position, r.phone_number, r.whatsapp_user_id,
            r.client_data::text AS client_data, r.status, r.last_outcome, r.attempt_count,
            r.conversation_id, r.created_at, r.updated_at, r.hold_reason, r.skip_reason,
            r.next_attempt_at, r.timezone, r.resolved_timezones, r.timezone_source, r.region""";

    private static Map<RecipientKey, Recipient> recipients(Handle handle, List<RecipientMove> moves) {
        var found = new HashMap<RecipientKey, Recipient>();
        if (moves.isEmpty()) {
            return found;
        }
        handle.createQuery("SELECT r.workspace_id, " + RECIPIENT_COLUMNS + """

                        FROM recipients r
                        WHERE (r.workspace_id, r.batch_id, r.id) IN (SELECT * FROM unnest(:workspaceIds, :batchIds, :ids))""")
                .bindArray(
                        "workspaceIds",
                        String.class,
                        moves.stream().map(m -> m.batch().workspaceId().value()).toList())
                .bindArray(
                        "batchIds",
                        String.class,
                        moves.stream().map(m -> m.batch().batchId()).toList())
                .bindArray(
                        "ids",
                        String.class,
                        moves.stream().map(RecipientMove::recipientId).toList())
                .map((rs, ctx) -> Map.entry(
                        new RecipientKey(rs.getString("workspace_id"), rs.getString("batch_id"), rs.getString("id")),
                        RecipientStore.recipient(rs, ctx)))
                .forEach(entry -> found.put(entry.getKey(), entry.getValue()));
        return found;
    }

    static Map<String, AttemptAfter> attempts(Handle handle, List<AttemptRef> refs) {
        var found = new HashMap<String, AttemptAfter>();
        if (refs.isEmpty()) {
            return found;
        }
        handle.createQuery("SELECT a.id, " + AttemptAfter.COLUMNS + """

                        FROM attempts a
                        WHERE (a.workspace_id, a.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))""")
                .bindArray(
                        "workspaceIds",
                        String.class,
                        refs.stream().map(a -> a.workspaceId().value()).toList())
                .bindArray(
                        "ids",
                        String.class,
                        refs.stream().map(AttemptRef::attemptId).toList())
                .map((rs, ctx) -> Map.entry(rs.getString("id"), AttemptAfter.of(rs)))
                .forEach(entry -> found.put(entry.getKey(), entry.getValue()));
        return found;
    }

    /**
     * The batches' counts ({@code batch_counts}) that one transaction's recipient events show, each batch read once.
     * The call-event writer builds its events in up to five steps of a group (accepted, ringing, answered, retried,
     * ended), and nothing in a group writes its batches' counts before its last statements: reading them again at
     * each step would only show other nodes' claims a few milliseconds later, at a statement each.
     */
    static final class Counts {
        private final Map<BatchRef, EventWire.BatchCounts> read = new HashMap<>();

        Map<BatchRef, EventWire.BatchCounts> of(Handle handle, List<BatchRef> batches) {
            var unread = batches.stream().filter(b -> !read.containsKey(b)).toList();
            if (!unread.isEmpty()) {
                read.putAll(counts(handle, unread));
            }
            return read;
        }
    }

    private static Map<BatchRef, EventWire.BatchCounts> counts(Handle handle, List<BatchRef> batches) {
        var found = new HashMap<BatchRef, EventWire.BatchCounts>();
        KeyArrays.batches(handle.createQuery("""
                        SELECT workspace_id, id, status, total_scheduled, total_dispatched, total_finished
                        FROM batches
                        WHERE (workspace_id, id) IN (SELECT * FROM unnest(:workspaceIds, :ids))"""), batches)
                .map((rs, ctx) -> Map.entry(
                        new BatchRef(new WorkspaceId(rs.getString("workspace_id")), rs.getString("id")),
                        new EventWire.BatchCounts(
                                rs.getString("status"),
                                rs.getInt("total_scheduled"),
                                rs.getInt("total_dispatched"),
                                rs.getInt("total_finished"))))
                .forEach(entry -> found.put(entry.getKey(), entry.getValue()));
        return found;
    }

    /** How many recipients of a batch are in each status, for a batch's final event. */
    private static Map<String, Integer> statusCounts(Handle handle, BatchRef batch) {
        var counts = new LinkedHashMap<String, Integer>();
        handle.createQuery("""
                        SELECT status, count(*)::integer AS n FROM recipients
                        WHERE workspace_id = :workspaceId AND batch_id = :batchId
                        GROUP BY status ORDER BY status""")
                .bind("workspaceId", batch.workspaceId().value())
                .bind("batchId", batch.batchId())
                .map((rs, ctx) -> Map.entry(rs.getString("status"), rs.getInt("n")))
                .forEach(entry -> counts.put(entry.getKey(), entry.getValue()));
        return counts;
    }

    private static Long unix(Optional<Instant> at) {
        return at.map(Instant::getEpochSecond).orElse(null);
    }
}
