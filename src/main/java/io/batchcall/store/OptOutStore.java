package io.batchcall.store;

import io.batchcall.domain.BatchRef;
import io.batchcall.domain.BatchStatus;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.RecipientStatus;
import io.batchcall.domain.SkipReason;
import io.batchcall.domain.WorkspaceId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Opt-outs: a person asked not to be called. Recording one ends, in the same transaction, every waiting call to
 * that number (its pending recipients in the running batches it covers), so that nobody is called after saying
 * no, not even by a batch already under way. Numbers the claim has not dialed yet are its to skip.
 */
public final class OptOutStore {
    public static final String ID_PREFIX = "optout";

    private static final String COLUMNS =
            "id, number, agent_id, channel, conversation_id, batch_id, reason, created_at";

    private final Jdbi jdbi;
    private final Clock clock;
    private final IdSource ids;
    private final Outbox outbox;

    public OptOutStore(Database database, Clock clock, IdSource ids) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.ids = ids;
        this.outbox = new Outbox(ids);
    }

    /** An opt-out to record; {@code agentId} set: only that agent's batches. Channel: api, agent or manual. */
    public record NewOptOut(
            String number,
            Optional<String> agentId,
            String channel,
            Optional<String> conversationId,
            Optional<String> batchId,
            Optional<String> reason) {}

    public record OptOut(
            String id,
            String number,
            Optional<String> agentId,
            String channel,
            Optional<String> conversationId,
            Optional<String> batchId,
            Optional<String> reason,
            Instant createdAt) {}

    /**
     * The opt-out that now covers the number ({@code created} false: one recorded earlier already did, and no row
     * was added), and how many waiting recipients were cancelled.
     */
    public record Recorded(OptOut optOut, boolean created, int cancelledRecipients) {}

    /**
     * Records the opt-out unless one already covers it (the workspace's, or the same agent's), then cancels the
     * number's pending recipients in every running batch it covers, each with its {@code recipient.cancelled} event
     * and its batch's completion when it was the last open one. Cancelling runs even when the opt-out existed: a
     * batch submitted since is covered at once too.
     */
    public Recorded record(WorkspaceId workspace, NewOptOut request) {
        var now = clock.instant();
        return jdbi.inTransaction(handle -> {
            // The lock order of every writer of recipients' statuses: the workspace row first. It also makes the
            // look-up-then-insert below safe against the same opt-out arriving twice at once.
            AttemptStore.lockWorkspace(handle, workspace);
            var existing = covering(handle, workspace, request);
            var optOut = existing.orElseGet(() -> insert(handle, workspace, request, now));
            int cancelled = cancelWaiting(handle, workspace, request.number(), request.agentId(), now);
            return new Recorded(optOut, existing.isEmpty(), cancelled);
        });
    }

    /** Opt-outs newest first, from {@code since} on when given. */
    public Page<OptOut> list(WorkspaceId workspace, Optional<Instant> since, Optional<Keyset> after, int limit) {
        var rows = jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS + " " + """
                         FROM opt_outs
                        WHERE workspace_id = :workspaceId
                          AND (CAST(:since AS timestamptz) IS NULL OR created_at >= :since)
                          AND (CAST(:afterAt AS timestamptz) IS NULL OR (created_at, id) < (:afterAt, :afterId))
                        ORDER BY created_at DESC, id DESC
                        LIMIT :limit""")
                .bind("workspaceId", workspace.value())
                .bind("since", Rows.at(since.orElse(null)))
                .bind("afterAt", Rows.at(after.map(Keyset::at).orElse(null)))
                .bind("afterId", after.map(Keyset::id).orElse(null))
                .bind("limit", limit + 1)
                .map(OptOutStore::optOut)
                .list());
        return Page.of(rows, limit, optOut -> new Keyset(optOut.createdAt(), optOut.id()));
    }

    /** The earliest opt-out of the number that covers the request's scope: the workspace's, or the same agent's. */
    private static Optional<OptOut> covering(Handle handle, WorkspaceId workspace, NewOptOut request) {
        return handle.createQuery("SELECT " + COLUMNS + " " + """
                         FROM opt_outs
                        WHERE workspace_id = :workspaceId AND number = :number
                          AND (agent_id IS NULL OR agent_id = :agentId)
                        ORDER BY (agent_id IS NULL) DESC, created_at, id
                        LIMIT 1""")
                .bind("workspaceId", workspace.value())
                .bind("number", request.number())
                .bind("agentId", request.agentId().orElse(null))
                .map(OptOutStore::optOut)
                .findOne();
    }

    private OptOut insert(Handle handle, WorkspaceId workspace, NewOptOut request, Instant now) {
        var optOut = new OptOut(
                ids.next(ID_PREFIX),
                request.number(),
                request.agentId(),
                request.channel(),
                request.conversationId(),
                request.batchId(),
                request.reason(),
                now);
        handle.createUpdate("""
                        INSERT INTO opt_outs (workspace_id, id, number, agent_id, channel, conversation_id, batch_id,
                            reason, created_at)
                        VALUES (:workspaceId, :id, :number, :agentId, :channel, :conversationId, :batchId, :reason,
                            :now)""")
                .bind("workspaceId", workspace.value())
                .bind("id", optOut.id())
                .bind("number", optOut.number())
                .bind("agentId", optOut.agentId().orElse(null))
                .bind("channel", optOut.channel())
                .bind("conversationId", optOut.conversationId().orElse(null))
                .bind("batchId", optOut.batchId().orElse(null))
                .bind("reason", optOut.reason().orElse(null))
                .bind("now", Rows.at(now))
                .execute();
        return handle.createQuery("SELECT " + COLUMNS + " FROM opt_outs WHERE workspace_id = :workspaceId AND id = :id")
                .bind("workspaceId", workspace.value())
                .bind("id", optOut.id())
                .map(OptOutStore::optOut)
                .one();
    }

    /**
     * Cancels the number's pending recipients in the running batches of the workspace (of the agent, when given);
     * found through each running batch's unique (batch, number) index rather than a scan of all recipients.
     */
    private int cancelWaiting(
            Handle handle, WorkspaceId workspace, String number, Optional<String> agentId, Instant now) {
        var skips = handle.createQuery("""
                        SELECT r.batch_id, r.id
                        FROM batches b
                        JOIN recipients r ON r.workspace_id = b.workspace_id AND r.batch_id = b.id
                                         AND r.phone_number = :number
                        WHERE b.workspace_id = :workspaceId AND b.status = ANY(:running)
                          AND (CAST(:agentId AS text) IS NULL OR b.agent_id = :agentId)
                          AND r.status = :pending""")
                .bind("workspaceId", workspace.value())
                .bind("number", number)
                .bind("agentId", agentId.orElse(null))
                .bind("pending", RecipientStatus.PENDING.wireName())
                .bindArray("running", String.class, BatchStatus.running())
                .map((rs, ctx) -> new RecipientSkips.Skip(
                        new BatchRef(workspace, rs.getString("batch_id")), rs.getString("id"), SkipReason.OPTED_OUT))
                .list();
        if (skips.isEmpty()) {
            return 0;
        }
        var events = RecipientSkips.skip(handle, skips, now);
        outbox.append(handle, events, now);
        return (int) events.stream()
                .filter(event -> event.type().equals("recipient.cancelled"))
                .count();
    }

    private static OptOut optOut(ResultSet rs, StatementContext ctx) throws SQLException {
        return new OptOut(
                rs.getString("id"),
                rs.getString("number"),
                Rows.optionalText(rs, "agent_id"),
                rs.getString("channel"),
                Rows.optionalText(rs, "conversation_id"),
                Rows.optionalText(rs, "batch_id"),
                Rows.optionalText(rs, "reason"),
                Rows.instant(rs, "created_at"));
    }
}
