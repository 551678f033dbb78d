package io.batchcall.store;

import io.batchcall.domain.IdSource;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.wire.WireJson;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * The transactional outbox: events are appended in the transaction that makes the change they describe, with
 * their whole envelope serialised once ({@code type}, {@code event_timestamp}, {@code event_id}, {@code data}), and
 * fanned out at once to one delivery per enabled webhook that subscribes to them. Either the change, its events and
 * their deliveries commit together, or none does.
 */
final class Outbox {
    /** Wakes the nodes' webhook senders: a delivery is due. */
    static final String DELIVERIES = "batchcall_webhooks";

    static final String ID_PREFIX = "evt";

    private final IdSource ids;

    Outbox(IdSource ids) {
        this.ids = ids;
    }

    /** An event to append; {@code data} is a response record (or JSON tree) of the public API's shapes. */
    record Event(
            WorkspaceId workspace,
            String type,
            String orderingKey,
            String batchId,
            String recipientId,
            String conversationId,
            String agentId,
            Object data) {}

    static String recipientKey(String batchId, String recipientId) {
        return "recipient:" + batchId + "/" + recipientId;
    }

    static String batchKey(String batchId) {
        return "batch:" + batchId;
    }

    /** Appends events, in the given order (which is their seq order), and fans them out. */
    void append(Handle handle, List<Event> events, Instant now) {
        if (events.isEmpty()) {
            return;
        }
        var eventIds = events.stream().map(e -> ids.next(ID_PREFIX)).toList();
        var bodies = new java.util.ArrayList<String>(events.size());
        for (int i = 0; i < events.size(); i++) {
            bodies.add(envelope(events.get(i), eventIds.get(i), now));
        }
        var ordinals = new Integer[events.size()];
        for (int i = 0; i < ordinals.length; i++) {
            ordinals[i] = i;
        }
        int deliveries = handle.createUpdate("""
                        WITH inserted AS (
                            INSERT INTO events (workspace_id, id, type, ordering_key, batch_id, recipient_id,
                                conversation_id, agent_id, occurred_at, body)
                            SELECT e.workspace_id, e.id, e.type, e.ordering_key, e.batch_id, e.recipient_id,
                                e.conversation_id, e.agent_id, :now, e.body
                            FROM unnest(:ordinals, :workspaceIds, :ids, :types, :keys, :batchIds, :recipientIds,
                                        :conversationIds, :agentIds, :bodies)
                                AS e(ordinal, workspace_id, id, type, ordering_key, batch_id, recipient_id,
                                     conversation_id, agent_id, body)
                            ORDER BY e.ordinal
                            RETURNING workspace_id, writer_xid, seq, id, type, ordering_key)
                        INSERT INTO webhook_deliveries (workspace_id, endpoint_id, event_seq, event_xid, event_id,
                            ordering_key, state, next_attempt_at, created_at)
                        SELECT e.workspace_id, w.id, e.seq, e.writer_xid, e.id, e.ordering_key,
                            CASE WHEN w.is_auto_disabled THEN 'held' ELSE 'pending' END, :now, :now
                        FROM inserted e
                        JOIN webhook_endpoints w ON w.workspace_id = e.workspace_id
                                                AND w.deleted_at IS NULL AND NOT w.is_disabled
                        LEFT JOIN convai_settings s ON s.workspace_id = e.workspace_id
                        WHERE EXISTS (SELECT 1 FROM unnest(w.event_types) AS t(pattern)
                                      WHERE t.pattern = '*' OR t.pattern = e.type
                                         OR (right(t.pattern, 2) = '.*'
                                             AND starts_with(e.type, left(t.pattern, -1))))
                           -- ElevenLabs' post-call events go to the workspace's post-call webhook, as its
                           -- settings select them (none selected: transcripts and initiation failures).
                           OR (w.id = s.post_call_webhook_id AND (
                                  (e.type = 'post_call_transcription'
                                   AND (cardinality(s.webhook_events) = 0 OR 'transcript' = ANY(s.webhook_events)))
                               OR (e.type = 'call_initiation_failure'
                                   AND (cardinality(s.webhook_events) = 0
                                        OR 'call_initiation_failure' = ANY(s.webhook_events)))))""")
                .bind("now", Rows.at(now))
                .bindArray("ordinals", Integer.class, (Object[]) ordinals)
                .bindArray(
                        "workspaceIds",
                        String.class,
                        events.stream().map(e -> e.workspace().value()).toList())
                .bindArray("ids", String.class, eventIds)
                .bindArray(
                        "types", String.class, events.stream().map(Event::type).toList())
                .bindArray(
                        "keys",
                        String.class,
                        events.stream().map(Event::orderingKey).toList())
                .bindArray(
                        "batchIds",
                        String.class,
                        events.stream().map(Event::batchId).toList())
                .bindArray(
                        "recipientIds",
                        String.class,
                        events.stream().map(Event::recipientId).toList())
                .bindArray(
                        "conversationIds",
                        String.class,
                        events.stream().map(Event::conversationId).toList())
                .bindArray(
                        "agentIds",
                        String.class,
                        events.stream().map(Event::agentId).toList())
                .bindArray("bodies", String.class, bodies)
                .execute();
        if (deliveries > 0) {
            handle.execute("SELECT pg_notify('" + DELIVERIES + "', '')");
        }
    }

    /** The envelope as it is delivered; written field by field so that raw client data stays byte for byte. */
    static String envelope(Event event, String eventId, Instant now) {
        var out = new java.io.StringWriter();
        try (var json = WireJson.MAPPER.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("type", event.type());
            json.writeNumberField("event_timestamp", now.getEpochSecond());
            json.writeStringField("event_id", eventId);
            json.writeFieldName("data");
            WireJson.MAPPER.writeValue(json, event.data());
            json.writeEndObject();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("an event body always serialises", e);
        }
        return out.toString();
    }
}
