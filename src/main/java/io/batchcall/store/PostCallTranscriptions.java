package io.batchcall.store;

import io.batchcall.domain.ConversationRef;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;

/**
 * Conversations whose {@code post_call_transcription} is due: the call was answered or reached voicemail, it has
 * ended, and either the agent has reported or it had {@code wait} to do so. Claimed with {@code SKIP LOCKED}, so
 * that nodes share the work, and sent under the guard of {@link PostCallEvents#transcriptions}.
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

    /** Appends the events of up to {@code limit} due conversations; returns how many it appended. */
    public int appendDue(Duration wait, int limit) {
        return jdbi.inTransaction(handle -> {
            var now = clock.instant();
            var due = handle.createQuery("""
                            SELECT workspace_id, id FROM conversations
                            WHERE post_call_pending AND (reported_at IS NOT NULL OR ended_at <= :cutoff)
                            ORDER BY ended_at
                            LIMIT :limit
                            FOR UPDATE SKIP LOCKED""")
                    .bind("cutoff", Rows.at(now.minus(wait)))
                    .bind("limit", limit)
                    .map((rs, ctx) ->
                            new ConversationRef(new WorkspaceId(rs.getString("workspace_id")), rs.getString("id")))
                    .list();
            return PostCallEvents.transcriptions(handle, outbox, due, now);
        });
    }
}
