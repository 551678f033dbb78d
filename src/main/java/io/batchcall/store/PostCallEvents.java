package io.batchcall.store;

import io.batchcall.domain.ConversationRef;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.wire.ConversationWire;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * The events of a conversation's end: ElevenLabs' {@code post_call_transcription} (its data is the very body of GET
 * conversation), and our {@code conversation.updated} when the agent reports after that event went out. Both are
 * ordered with their recipient's events, and written under its row lock as those are.
 */
final class PostCallEvents {
    static final String TRANSCRIPTION = "post_call_transcription";
    static final String UPDATED = "conversation.updated";

    private PostCallEvents() {}

    /**
     * Appends {@code post_call_transcription} for each conversation that still waits for it. The guard in the
     * UPDATE is what makes the event go out once: of two transactions (a report and the producer, or two nodes'
     * producers) only the one that clears {@code post_call_pending} appends it. Returns how many were appended.
     */
    static int transcriptions(Handle handle, Outbox outbox, List<ConversationRef> refs, Instant now) {
        if (refs.isEmpty()) {
            return 0;
        }
        // Leaves the queue in the same statement (V162): the conversation's own update then changes no indexed column.
        var claimed = handle.createQuery("""
                        WITH sent AS (
                            UPDATE conversations SET post_call_pending = false, post_call_sent_at = :now
                            WHERE (workspace_id, id) IN (SELECT * FROM unnest(:workspaceIds, :ids))
                              AND post_call_pending
                            RETURNING workspace_id, id, ended_at),
                        dequeued AS (
                            DELETE FROM post_call_queue q USING sent
                            WHERE q.ended_at = sent.ended_at AND q.workspace_id = sent.workspace_id
                              AND q.conversation_id = sent.id)
                        SELECT workspace_id, id FROM sent""")
                .bind("now", Rows.at(now))
                .bindArray(
                        "workspaceIds",
                        String.class,
                        refs.stream().map(r -> r.workspaceId().value()).toList())
                .bindArray(
                        "ids",
                        String.class,
                        refs.stream().map(ConversationRef::conversationId).toList())
                .map((rs, ctx) ->
                        new ConversationRef(new WorkspaceId(rs.getString("workspace_id")), rs.getString("id")))
                .list();
        append(handle, outbox, TRANSCRIPTION, claimed, now);
        return claimed.size();
    }

    /** Appends {@code conversation.updated}: the agent's report changed a conversation already told of. */
    static void updated(Handle handle, Outbox outbox, ConversationRef ref, Instant now) {
        append(handle, outbox, UPDATED, List.of(ref), now);
    }

    private static void append(Handle handle, Outbox outbox, String type, List<ConversationRef> refs, Instant now) {
        if (refs.isEmpty()) {
            return;
        }
        var workspaceIds = refs.stream().map(r -> r.workspaceId().value()).toList();
        var ids = refs.stream().map(ConversationRef::conversationId).toList();
        // The recipients' rows, locked as every writer of a recipient's events locks them (conversations first,
        // then recipients, as the lifecycle does), so that their events keep commit order in seq. In code point
        // order whatever the database's collation, as RecipientSkips.ID_ORDER sorts the ids it updates one by one.
        handle.createQuery("""
                        SELECT r.id FROM recipients r
                        JOIN conversations c ON c.workspace_id = r.workspace_id AND c.batch_id = r.batch_id
                                            AND c.recipient_id = r.id
                        WHERE (c.workspace_id, c.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))
                        ORDER BY r.workspace_id COLLATE "C", r.batch_id COLLATE "C", r.id COLLATE "C"
                        FOR NO KEY UPDATE OF r""")
                .bindArray("workspaceIds", String.class, workspaceIds)
                .bindArray("ids", String.class, ids)
                .mapTo(String.class)
                .list();
        var events = handle.createQuery(ConversationRows.NAMED + """
                         WHERE (c.workspace_id, c.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))
                         ORDER BY c.ended_at, c.id""")
                .bindArray("workspaceIds", String.class, workspaceIds)
                .bindArray("ids", String.class, ids)
                .map(ConversationRows::named)
                .map(named -> {
                    var c = named.conversation();
                    var key = c.batchId().isPresent()
                            ? Outbox.recipientKey(
                                    c.batchId().get(), c.recipientId().orElse(""))
                            : "conversation:" + c.id();
                    return new Outbox.Event(
                            c.workspaceId(),
                            type,
                            key,
                            c.batchId().orElse(null),
                            c.recipientId().orElse(null),
                            c.id(),
                            c.agentId(),
                            ConversationWire.conversation(c, named.agentName()));
                })
                .list();
        outbox.append(handle, events, now);
    }
}
