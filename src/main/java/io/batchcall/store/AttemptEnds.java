package io.batchcall.store;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Outcome;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Ends attempts in groups, one transaction per group: the attempts, the in-flight counts (workspace, agent,
 * batch: each a row many calls share, so one update per group instead of one per call), the recipients' final
 * statuses, batch completion and the conversations. Idempotent: an attempt already ended changes nothing.
 */
public final class AttemptEnds {
    private static final List<String> OPEN_STATUSES = List.of("pending", "dispatched", "initiated", "in_progress");

    private final Jdbi jdbi;
    private final Clock clock;

    public AttemptEnds(Database database, Clock clock) {
        this.jdbi = database.jdbi();
        this.clock = clock;
    }

    /** How one attempt ended, as a provider reported it. */
    public record End(AttemptRef attempt, Outcome outcome, Optional<String> providerStatus, Optional<Integer> sipCode,
                      boolean reachedProvider) {}

    /** What a group did: the attempts it ended (the rest had ended before) and the batches it completed. */
    public record Result(Set<String> endedAttemptIds, List<String> completedBatchIds) {
        static final Result NOTHING = new Result(Set.of(), List.of());
    }

    private record Changed(AttemptRef attempt, String batchId, String recipientId, String agentId) {}

    /** Ends a group in its own transaction (the tests' and tools' way in; nodes go through AttemptEvents). */
    public Result endAll(List<End> group) {
        return jdbi.inTransaction(handle -> {
            AttemptEvents.lockWorkspaces(handle, group.stream().map(e -> e.attempt().workspaceId().value())
                    .distinct().sorted().toList());
            return end(handle, group, clock.instant());
        });
    }

    /** Within a transaction that already holds the workspaces' locks. */
    static Result end(Handle handle, List<End> group, java.time.Instant now) {
        // One end per attempt: the first report wins, as it would one transaction after another.
        var ends = new LinkedHashMap<String, End>();
        group.forEach(end -> ends.putIfAbsent(end.attempt().workspaceId().value() + "/" + end.attempt().attemptId(),
                end));
        var unique = List.copyOf(ends.values());
        var changed = endAttempts(handle, unique, now);
        if (changed.isEmpty()) {
            return Result.NOTHING;
        }
        release(handle, changed);
        var byId = unique.stream().collect(Collectors.toMap(e -> e.attempt().attemptId(), Function.identity()));
        var reached = changed.stream().map(Changed::attempt)
                .filter(ref -> byId.get(ref.attemptId()).reachedProvider()).toList();
        if (!reached.isEmpty()) {
            ConversationWrites.opened(handle, reached, now);
            ConversationWrites.closed(handle, reached, now);
        }
        var finished = finishRecipients(handle, changed, byId, now);
        var completed = settleBatches(handle, changed, finished, now);
        handle.execute("SELECT pg_notify('" + Notifications.WAKE + "', '')");
        return new Result(changed.stream().map(c -> c.attempt().attemptId()).collect(Collectors.toSet()), completed);
    }

    private static List<Changed> endAttempts(Handle handle, List<End> ends, java.time.Instant now) {
        return handle.createQuery("""
                        UPDATE attempts a SET phase = 'ended', ended_at = :now, outcome = e.outcome,
                            provider_status = e.provider_status, sip_code = e.sip_code,
                            failure_reason = e.failure_reason, lease_expires_at = NULL
                        FROM unnest(:workspaceIds, :ids, :outcomes, :statuses, :sipCodes, :reasons)
                            AS e(workspace_id, id, outcome, provider_status, sip_code, failure_reason)
                        WHERE a.workspace_id = e.workspace_id AND a.id = e.id AND a.phase <> 'ended'
                        RETURNING a.workspace_id, a.id, a.batch_id, a.recipient_id, a.agent_id""")
                .bind("now", Rows.at(now))
                .bindArray("workspaceIds", String.class, ends.stream().map(e -> e.attempt().workspaceId().value())
                        .toList())
                .bindArray("ids", String.class, ends.stream().map(e -> e.attempt().attemptId()).toList())
                .bindArray("outcomes", String.class, ends.stream().map(e -> e.outcome().wireName()).toList())
                .bindArray("statuses", String.class, ends.stream().map(e -> e.providerStatus().orElse(null)).toList())
                .bindArray("sipCodes", Integer.class, ends.stream().map(e -> e.sipCode().orElse(null)).toList())
                .bindArray("reasons", String.class, ends.stream().map(e -> e.outcome().failureReason()).toList())
                .map((rs, ctx) -> new Changed(new AttemptRef(new io.batchcall.domain.WorkspaceId(
                        rs.getString("workspace_id")), rs.getString("id")), rs.getString("batch_id"),
                        rs.getString("recipient_id"), rs.getString("agent_id")))
                .list();
    }

    /** Frees the ended attempts' slots in their workspaces' and agents' counts. */
    private static void release(Handle handle, List<Changed> changed) {
        var perWorkspace = new TreeMap<String, Integer>();
        var perAgent = new TreeMap<String, Integer>();
        for (var c : changed) {
            perWorkspace.merge(c.attempt().workspaceId().value(), 1, Integer::sum);
            perAgent.merge(c.attempt().workspaceId().value() + "\n" + c.agentId(), 1, Integer::sum);
        }
        handle.createUpdate("""
                        UPDATE workspaces w SET in_flight = w.in_flight - c.n
                        FROM unnest(:ids, :counts) AS c(id, n) WHERE w.id = c.id""")
                .bindArray("ids", String.class, List.copyOf(perWorkspace.keySet()))
                .bindArray("counts", Integer.class, List.copyOf(perWorkspace.values()))
                .execute();
        handle.createUpdate("""
                        UPDATE agents a SET in_flight = a.in_flight - c.n
                        FROM unnest(:workspaceIds, :ids, :counts) AS c(workspace_id, id, n)
                        WHERE a.workspace_id = c.workspace_id AND a.id = c.id""")
                .bindArray("workspaceIds", String.class, perAgent.keySet().stream().map(k -> k.split("\n")[0]).toList())
                .bindArray("ids", String.class, perAgent.keySet().stream().map(k -> k.split("\n")[1]).toList())
                .bindArray("counts", Integer.class, List.copyOf(perAgent.values()))
                .execute();
    }

    /** Moves each recipient to its final status; returns how many recipients each batch finished. */
    private static Map<String, Integer> finishRecipients(Handle handle, List<Changed> changed, Map<String, End> ends,
                                                         java.time.Instant now) {
        var finished = new TreeMap<String, Integer>();
        handle.createQuery("""
                        UPDATE recipients r SET status = e.status, last_outcome = e.outcome, updated_at = :now
                        FROM unnest(:workspaceIds, :batchIds, :ids, :statuses, :outcomes)
                            AS e(workspace_id, batch_id, id, status, outcome)
                        WHERE r.workspace_id = e.workspace_id AND r.batch_id = e.batch_id AND r.id = e.id
                          AND r.status = ANY(:open)
                        RETURNING r.workspace_id, r.batch_id""")
                .bind("now", Rows.at(now))
                .bindArray("open", String.class, OPEN_STATUSES)
                .bindArray("workspaceIds", String.class, changed.stream().map(c -> c.attempt().workspaceId().value())
                        .toList())
                .bindArray("batchIds", String.class, changed.stream().map(Changed::batchId).toList())
                .bindArray("ids", String.class, changed.stream().map(Changed::recipientId).toList())
                .bindArray("statuses", String.class, changed.stream().map(c -> ends.get(c.attempt().attemptId())
                        .outcome().recipientStatus().wireName()).toList())
                .bindArray("outcomes", String.class, changed.stream().map(c -> ends.get(c.attempt().attemptId())
                        .outcome().wireName()).toList())
                .map((rs, ctx) -> rs.getString("workspace_id") + "\n" + rs.getString("batch_id"))
                .forEach(batch -> finished.merge(batch, 1, Integer::sum));
        return finished;
    }

    /** Counts the ends on their batches and completes those whose every recipient is final. */
    private static List<String> settleBatches(Handle handle, List<Changed> changed, Map<String, Integer> finished,
                                              java.time.Instant now) {
        var ended = new TreeMap<String, Integer>();
        changed.forEach(c -> ended.merge(c.attempt().workspaceId().value() + "\n" + c.batchId(), 1, Integer::sum));
        var keys = new ArrayList<>(ended.keySet());
        return handle.createQuery("""
                        UPDATE batches b SET in_flight = b.in_flight - c.ended,
                            total_finished = b.total_finished + c.finished,
                            status = CASE WHEN b.status = 'in_progress'
                                               AND b.total_finished + c.finished >= b.total_scheduled
                                          THEN 'completed' ELSE b.status END,
                            updated_at = :now
                        FROM unnest(:workspaceIds, :ids, :ended, :finished) AS c(workspace_id, id, ended, finished)
                        WHERE b.workspace_id = c.workspace_id AND b.id = c.id
                        RETURNING b.id, b.status""")
                .bind("now", Rows.at(now))
                .bindArray("workspaceIds", String.class, keys.stream().map(k -> k.split("\n")[0]).toList())
                .bindArray("ids", String.class, keys.stream().map(k -> k.split("\n")[1]).toList())
                .bindArray("ended", Integer.class, keys.stream().map(ended::get).toList())
                .bindArray("finished", Integer.class, keys.stream().map(k -> finished.getOrDefault(k, 0)).toList())
                .map((rs, ctx) -> "completed".equals(rs.getString("status")) ? rs.getString("id") : null)
                .list().stream().filter(java.util.Objects::nonNull).toList();
    }
}
