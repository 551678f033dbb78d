package io.batchcall.store;

import io.batchcall.domain.ConversationRef;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;

/**
 * Conversations whose {@code post_call_transcription} is due: the call was answered or reached voicemail, it has
 * ended, and either the agent has reported or it had {@code wait} to do so. They are found in their queue
 * ({@code post_call_queue}, V162) and claimed by their conversations' rows with {@code SKIP LOCKED}, so that nodes
 * share the work and lock as a report does (the conversation, then its queue row), and sent under the guard of
 * {@link PostCallEvents#transcriptions}.
 */
public final class PostCallTranscriptions {
    private final Jdbi jdbi;
    private final Clock clock;
    private final Outbox outbox;

    public PostCallTranscriptions(Database database, Clock clock, IdSource ids) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.outbox = new Outbox(ids);
    }

    /** The first {@code :limit} queued conversations of each range that may be due at {@code :cutoff}. */
    private static final String CANDIDATES = """
            (SELECT ended_at, workspace_id, conversation_id FROM post_call_queue
             WHERE ended_at <= :cutoff ORDER BY ended_at LIMIT :limit)
            UNION ALL
            (SELECT ended_at, workspace_id, conversation_id FROM post_call_queue
             WHERE reported AND ended_at > :cutoff ORDER BY ended_at LIMIT :limit)""";

    /** Appends the events of up to {@code limit} due conversations; returns how many it appended. */
    public int appendDue(Duration wait, int limit) {
        // Two ranges, each read from its own index and each at most a pass long, so that the planner looks up their
        // conversations one by one: those whose wait is over, and those the agent reported on during the call. Those
        // still waiting are not read at all (as one condition with OR, every queued conversation was joined and
        // tested on each pass).
        return jdbi.inTransaction(handle -> {
            var now = clock.instant();
            var cutoff = Rows.at(now.minus(wait));
            // A queued conversation that no longer waits would hold its place at the head for ever: none should
            // exist (the statements that clear post_call_pending or delete the conversation take it out of the
            // queue), but those that do are taken out first, a pass's worth at a time.
            handle.createUpdate("""
                            DELETE FROM post_call_queue q USING (""" + CANDIDATES + """
                            ) k
                            WHERE q.ended_at = k.ended_at AND q.workspace_id = k.workspace_id
                              AND q.conversation_id = k.conversation_id
                              AND NOT EXISTS (SELECT 1 FROM conversations c
                                              WHERE c.workspace_id = k.workspace_id AND c.id = k.conversation_id
                                                AND c.post_call_pending)""")
                    .bind("cutoff", cutoff)
                    .bind("limit", limit)
                    .execute();
            var due = handle.createQuery("SELECT c.workspace_id, c.id FROM (" + CANDIDATES + """
                            ) k
                            JOIN conversations c ON c.workspace_id = k.workspace_id AND c.id = k.conversation_id
                            WHERE c.post_call_pending
                            ORDER BY k.ended_at
                            LIMIT :limit
                            FOR UPDATE OF c SKIP LOCKED""")
                    .bind("cutoff", cutoff)
                    .bind("limit", limit)
                    .map((rs, ctx) ->
                            new ConversationRef(new WorkspaceId(rs.getString("workspace_id")), rs.getString("id")))
                    .list();
            return PostCallEvents.transcriptions(handle, outbox, due, now);
        });
    }
}
