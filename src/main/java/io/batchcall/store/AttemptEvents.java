package io.batchcall.store;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Records what providers report about calls, many reports in one transaction (group commit): the provider took
 * the call, it rings, it was answered, it ended. Each kind moves its attempts only forward, guarded by phase, so
 * repeated, late and out-of-order reports change nothing; within a group they are applied in that order, so
 * that a call that rang, was answered and ended within one group ends up ended.
 */
public final class AttemptEvents {
    private final Jdbi jdbi;
    private final Clock clock;

    public AttemptEvents(Database database, Clock clock) {
        this.jdbi = database.jdbi();
        this.clock = clock;
    }

    /** The provider took the call, with its id, dialed at {@code dialedAt}. */
    public record Accepted(AttemptRef attempt, String providerCallId, Instant dialedAt) {}

    /** One group's reports. */
    public record Group(List<Accepted> accepted, List<AttemptRef> ringing, List<AttemptRef> answered,
                        List<AttemptEnds.End> ended) {
        public boolean isEmpty() {
            return accepted.isEmpty() && ringing.isEmpty() && answered.isEmpty() && ended.isEmpty();
        }
    }

    /** What a group did: attempts that exist for their Accepted report, attempts it ended, batches it completed. */
    public record Result(Set<String> acceptedAttemptIds, Set<String> endedAttemptIds, List<String> completedBatchIds) {}

    private record Moved(AttemptRef attempt, String batchId, String recipientId) {}

    public Result record(Group group) {
        return jdbi.inTransaction(handle -> {
            // Lock order for every change to in-flight counts: workspaces (sorted), then attempts, agents, batches.
            // Read the time after the locks, so that ends and claims are stamped in the order they happened.
            lockWorkspaces(handle, workspacesOf(group));
            var now = clock.instant();
            var accepted = accept(handle, group.accepted(), now);
            move(handle, ring(handle, group.ringing()), "initiated", now);
            move(handle, answer(handle, group.answered(), now), "in_progress", now);
            var ended = group.ended().isEmpty() ? AttemptEnds.Result.NOTHING
                    : AttemptEnds.end(handle, group.ended(), now);
            return new Result(accepted, ended.endedAttemptIds(), ended.completedBatchIds());
        });
    }

    private static List<String> workspacesOf(Group group) {
        var ids = new HashSet<String>();
        group.accepted().forEach(a -> ids.add(a.attempt().workspaceId().value()));
        group.ringing().forEach(a -> ids.add(a.workspaceId().value()));
        group.answered().forEach(a -> ids.add(a.workspaceId().value()));
        group.ended().forEach(e -> ids.add(e.attempt().workspaceId().value()));
        return ids.stream().sorted().toList();
    }

    static void lockWorkspaces(Handle handle, List<String> sortedIds) {
        handle.createQuery("SELECT id FROM workspaces WHERE id = ANY(:ids) ORDER BY id FOR NO KEY UPDATE")
                .bindArray("ids", String.class, sortedIds)
                .mapTo(String.class).list();
    }

    private static Set<String> accept(Handle handle, List<Accepted> accepted, Instant now) {
        if (accepted.isEmpty()) {
            return Set.of();
        }
        var moved = handle.createQuery("""
                        UPDATE attempts a SET provider_call_id = coalesce(a.provider_call_id, e.call_id),
                            dialed_at = coalesce(a.dialed_at, e.dialed_at),
                            phase = CASE WHEN a.phase = 'dialing' THEN 'ringing' ELSE a.phase END
                        FROM unnest(:workspaceIds, :ids, :callIds, :dialedAts) AS e(workspace_id, id, call_id, dialed_at)
                        WHERE a.workspace_id = e.workspace_id AND a.id = e.id
                          -- An attempt already ended (another node recovered it as interrupted, say) stays as it
                          -- ended: its caller hears "not wanted" and hangs the call up.
                          AND a.phase <> 'ended'
                        RETURNING a.workspace_id, a.id, a.batch_id, a.recipient_id""")
                .bindArray("workspaceIds", String.class, accepted.stream().map(a -> a.attempt().workspaceId().value())
                        .toList())
                .bindArray("ids", String.class, accepted.stream().map(a -> a.attempt().attemptId()).toList())
                .bindArray("callIds", String.class, accepted.stream().map(Accepted::providerCallId).toList())
                .bindArray("dialedAts", java.time.OffsetDateTime.class, accepted.stream()
                        .map(a -> Rows.at(a.dialedAt())).toList())
                .map((rs, ctx) -> moved(rs))
                .list();
        move(handle, moved, "initiated", now);
        var ids = new HashSet<String>();
        moved.forEach(m -> ids.add(m.attempt().attemptId()));
        return ids;
    }

    private static List<Moved> ring(Handle handle, List<AttemptRef> ringing) {
        if (ringing.isEmpty()) {
            return List.of();
        }
        return bindRefs(handle.createQuery("""
                        UPDATE attempts a SET phase = 'ringing'
                        WHERE (a.workspace_id, a.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))
                          AND a.phase = 'dialing'
                        RETURNING a.workspace_id, a.id, a.batch_id, a.recipient_id"""), ringing)
                .map((rs, ctx) -> moved(rs))
                .list();
    }

    private static List<Moved> answer(Handle handle, List<AttemptRef> answered, Instant now) {
        if (answered.isEmpty()) {
            return List.of();
        }
        var moved = bindRefs(handle.createQuery("""
                        UPDATE attempts a SET phase = 'answered', answered_at = :now
                        WHERE (a.workspace_id, a.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))
                          AND a.phase IN ('dialing', 'ringing')
                        RETURNING a.workspace_id, a.id, a.batch_id, a.recipient_id"""), answered)
                .bind("now", Rows.at(now))
                .map((rs, ctx) -> moved(rs))
                .list();
        if (!moved.isEmpty()) {
            var refs = moved.stream().map(Moved::attempt).toList();
            ConversationWrites.opened(handle, refs, now);
            bindRefs(handle.createUpdate("""
                            UPDATE conversations c SET status = 'in-progress', updated_at = :now
                            FROM attempts a
                            WHERE (a.workspace_id, a.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))
                              AND c.workspace_id = a.workspace_id AND c.id = a.conversation_id"""), refs)
                    .bind("now", Rows.at(now))
                    .execute();
        }
        return moved;
    }

    /**
     * The attempts reached their provider: conversations open, recipients move to {@code status} (from an earlier
     * one only), and their batches show the change (to the second).
     */
    private static void move(Handle handle, List<Moved> moved, String status, Instant now) {
        if (moved.isEmpty()) {
            return;
        }
        ConversationWrites.opened(handle, moved.stream().map(Moved::attempt).toList(), now);
        var earlier = status.equals("initiated") ? List.of("dispatched") : List.of("dispatched", "initiated");
        handle.createUpdate("""
                        UPDATE recipients r SET status = :status, updated_at = :now
                        FROM unnest(:workspaceIds, :batchIds, :ids) AS m(workspace_id, batch_id, id)
                        WHERE r.workspace_id = m.workspace_id AND r.batch_id = m.batch_id AND r.id = m.id
                          AND r.status = ANY(:earlier)""")
                .bind("status", status)
                .bind("now", Rows.at(now))
                .bindArray("earlier", String.class, earlier)
                .bindArray("workspaceIds", String.class, moved.stream().map(m -> m.attempt().workspaceId().value())
                        .toList())
                .bindArray("batchIds", String.class, moved.stream().map(Moved::batchId).toList())
                .bindArray("ids", String.class, moved.stream().map(Moved::recipientId).toList())
                .execute();
        // last_updated_at_unix is shown in seconds: the batch row, which every call of the batch shares, is only
        // written when the second changes, not once per call event.
        var batches = new ArrayList<>(moved.stream().map(m -> m.attempt().workspaceId().value() + "\n" + m.batchId())
                .distinct().sorted().toList());
        handle.createUpdate("""
                        UPDATE batches b SET updated_at = :now
                        FROM unnest(:workspaceIds, :ids) AS t(workspace_id, id)
                        WHERE b.workspace_id = t.workspace_id AND b.id = t.id
                          AND date_trunc('second', b.updated_at) < date_trunc('second', CAST(:now AS timestamptz))""")
                .bind("now", Rows.at(now))
                .bindArray("workspaceIds", String.class, batches.stream().map(k -> k.split("\n")[0]).toList())
                .bindArray("ids", String.class, batches.stream().map(k -> k.split("\n")[1]).toList())
                .execute();
    }

    private static Moved moved(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Moved(new AttemptRef(new WorkspaceId(rs.getString("workspace_id")), rs.getString("id")),
                rs.getString("batch_id"), rs.getString("recipient_id"));
    }

    private static <T extends org.jdbi.v3.core.statement.SqlStatement<T>> T bindRefs(T statement,
                                                                                      List<AttemptRef> refs) {
        return statement
                .bindArray("workspaceIds", String.class, refs.stream().map(r -> r.workspaceId().value()).toList())
                .bindArray("ids", String.class, refs.stream().map(AttemptRef::attemptId).toList());
    }
}
