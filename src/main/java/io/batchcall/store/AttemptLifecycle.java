package io.batchcall.store;

import io.batchcall.domain.AttemptPhase;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.BatchStatus;
import io.batchcall.domain.CallEvent;
import io.batchcall.domain.CallResult;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.RecipientStatus;
import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The attempt lifecycle's one writer: applies what happened to calls ({@link CallEvent}s), many in one transaction
 * (group commit: the workspace, agent and batch rows every call shares are written once per group, not once per
 * call). Each event moves its attempt only forward, by the rules of {@link AttemptPhase} and
 * {@link RecipientStatus}, so repeated, late and out-of-order events change nothing; within a group they are applied
 * in the order accepted, ringing, answered, ended, so that a call that rang, was answered and ended within one group
 * ends up ended. Ends free the attempts' slots and complete batches through {@link InFlight}; an end that its
 * batch's retry policy retries sends the recipient back to pending instead of finishing it ({@link RetryScheduling}).
 */
public final class AttemptLifecycle {
    private final Jdbi jdbi;
    private final Clock clock;
    private final Outbox outbox;
    private final RandomGenerator random;

    public AttemptLifecycle(Database database, Clock clock, IdSource ids) {
        this(database, clock, ids, new SplittableRandom());
    }

    /** With the randomness of retry back-off's jitter given, so that tests know the delays. */
    public AttemptLifecycle(Database database, Clock clock, IdSource ids, RandomGenerator random) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.outbox = new Outbox(ids);
        this.random = random;
    }

    /**
     * What a group did: the attempts that exist (and had not ended) for their Accepted event, the attempts it
     * ended (the rest had ended before), and the batches it completed.
     */
    public record Result(Set<String> acceptedAttemptIds, Set<String> endedAttemptIds, List<String> completedBatchIds) {}

    record Moved(AttemptRef attempt, String batchId, String recipientId, String agentId) {}

    /**
     * Applies a group of events in one transaction. It takes no workspace lock: ends append the slots they free
     * ({@link InFlight#releasedLater}) instead of writing the workspace and agent rows a claim holds, and the batch
     * rows, which claims write too, are locked last, in one order, just before the batches' counters change. So a
     * group and a claim wait for each other only for the other's last statements, not its whole transaction.
     */
    public Result apply(List<CallEvent> group) {
        return jdbi.inTransaction(handle -> {
            lockAttempts(handle, group.stream().map(CallEvent::attempt).toList());
            return apply(handle, group, clock.instant());
        });
    }

    /**
     * Locks attempts in one order, (workspace, id), before any is written: every transaction that writes several
     * attempts takes them this way (lease renewal, batch deletion too), so that two never wait for each other.
     */
    static void lockAttempts(Handle handle, List<AttemptRef> attempts) {
        var sorted = attempts.stream()
                .distinct()
                .sorted(java.util.Comparator.comparing(
                                (AttemptRef a) -> a.workspaceId().value())
                        .thenComparing(AttemptRef::attemptId))
                .toList();
        KeyArrays.attempts(handle.createQuery("""
                        SELECT a.id FROM attempts a
                        JOIN unnest(:workspaceIds, :ids) WITH ORDINALITY AS t(workspace_id, id, n)
                          ON a.workspace_id = t.workspace_id AND a.id = t.id
                        ORDER BY t.n
                        FOR NO KEY UPDATE OF a"""), sorted).mapTo(String.class).list();
    }

    static void lockWorkspaces(Handle handle, List<String> sortedIds) {
        handle.createQuery("SELECT id FROM workspaces WHERE id = ANY(:ids) ORDER BY id FOR NO KEY UPDATE")
                .bindArray("ids", String.class, sortedIds)
                .mapTo(String.class)
                .list();
    }

    /**
     * Within a transaction that already holds the workspaces' locks. Every recipient and batch status it moves
     * writes its event to the outbox, in the order the moves happened.
     */
    private Result apply(Handle handle, List<CallEvent> group, Instant now) {
        var accepted = new ArrayList<CallEvent.Accepted>();
        var ringing = new ArrayList<AttemptRef>();
        var answered = new ArrayList<AttemptRef>();
        var detected = new ArrayList<CallEvent.MachineDetected>();
        var ended = new ArrayList<CallEvent.Ended>();
        for (var event : group) {
            switch (event) {
                case CallEvent.Accepted a -> accepted.add(a);
                case CallEvent.Ringing r -> ringing.add(r.attempt());
                case CallEvent.Answered a -> answered.add(a.attempt());
                case CallEvent.MachineDetected m -> {
                    // A verdict means something answered, even when the answered callback is late or lost.
                    answered.add(m.attempt());
                    detected.add(m);
                }
                case CallEvent.Ended e -> ended.add(e);
            }
        }
        var events = new ArrayList<Outbox.Event>();
        // A call that was accepted, answered and ended within one group would otherwise open its conversation up
        // to four times (each an insert and a recipient update, unchanged after the first).
        var opened = new Opened(new java.util.HashSet<>());
        var touched = new java.util.TreeSet<BatchRef>(InFlight.BATCH_ORDER);
        var acceptedIds = accept(handle, accepted, now, events, opened, touched);
        events.addAll(reached(handle, ring(handle, ringing), RecipientStatus.INITIATED, now, opened, touched));
        events.addAll(reached(
                handle, answer(handle, answered, now, opened), RecipientStatus.IN_PROGRESS, now, opened, touched));
        events.addAll(LifecycleEvents.machineDetections(handle, detect(handle, detected)));
        var ends = ended.isEmpty() ? Ends.NONE : end(handle, ended, now, events, random, opened);
        outbox.append(handle, events, now);
        // The batch rows last: a claim writes them too, so each waits for the other only from here to its commit.
        touched.addAll(ends.finished().keySet());
        ends.released().forEach(r -> touched.add(new BatchRef(r.workspace(), r.batchId())));
        var completed = settle(handle, touched, ends, now);
        return new Result(
                acceptedIds,
                ends.endedAttemptIds(),
                completed.stream().map(BatchRef::batchId).toList());
    }

    /**
     * Locks the group's batch rows in one order (the claims' order), shows the change on each (to the second),
     * settles the ends on their batches, and appends the completions' events. Returns the batches completed.
     */
    private List<BatchRef> settle(Handle handle, java.util.SortedSet<BatchRef> batches, Ends ends, Instant now) {
        if (batches.isEmpty()) {
            return List.of();
        }
        var keys = List.copyOf(batches);
        KeyArrays.batches(handle.createQuery("""
                        SELECT b.id FROM batches b
                        JOIN unnest(:workspaceIds, :ids) WITH ORDINALITY AS t(workspace_id, id, n)
                          ON b.workspace_id = t.workspace_id AND b.id = t.id
                        ORDER BY t.n
                        FOR NO KEY UPDATE OF b"""), keys).mapTo(String.class).list();
        // last_updated_at_unix is shown in seconds: the batch row, which every call of the batch shares, is only
        // written when the second changes, not once per call event.
        KeyArrays.batches(handle.createUpdate("""
                        UPDATE batches b SET updated_at = :now
                        FROM unnest(:workspaceIds, :ids) AS t(workspace_id, id)
                        WHERE b.workspace_id = t.workspace_id AND b.id = t.id
                          AND date_trunc('second', b.updated_at) < date_trunc('second', CAST(:now AS timestamptz))"""), keys)
                .bind("now", Rows.at(now))
                .execute();
        if (ends.released().isEmpty()) {
            return List.of();
        }
        var completed = InFlight.settleBatches(handle, ends.released(), ends.finished(), now);
        outbox.append(
                handle,
                LifecycleEvents.batchEvents(
                        handle,
                        completed.stream()
                                .map(batch -> new LifecycleEvents.BatchMove(
                                        batch, "batch.completed", BatchStatus.IN_PROGRESS.wireName()))
                                .toList()),
                now);
        handle.execute("SELECT pg_notify('" + Notifications.WAKE + "', '')");
        return completed;
    }

    private static Set<String> accept(
            Handle handle,
            List<CallEvent.Accepted> accepted,
            Instant now,
            List<Outbox.Event> events,
            Opened opened,
            java.util.Set<BatchRef> touched) {
        if (accepted.isEmpty()) {
            return Set.of();
        }
        var moved = handle.createQuery("""
                        UPDATE attempts a SET provider_call_id = coalesce(a.provider_call_id, e.call_id),
                            dialed_at = coalesce(a.dialed_at, e.dialed_at),
                            phase = CASE WHEN a.phase = ANY(:before) THEN :ringing ELSE a.phase END
                        FROM unnest(:workspaceIds, :ids, :callIds, :dialedAts) AS e(workspace_id, id, call_id, dialed_at)
                        WHERE a.workspace_id = e.workspace_id AND a.id = e.id
                          -- An attempt already ended (another node recovered it as interrupted, say) stays as it
                          -- ended: its caller hears "not wanted" and hangs the call up.
                          AND a.phase <> :ended
                        RETURNING a.workspace_id, a.id, a.batch_id, a.recipient_id, a.agent_id""")
                .bindArray("before", String.class, AttemptPhase.from(AttemptPhase.RINGING))
                .bind("ringing", AttemptPhase.RINGING.wireName())
                .bind("ended", AttemptPhase.ENDED.wireName())
                .bindArray(
                        "workspaceIds",
                        String.class,
                        accepted.stream()
                                .map(a -> a.attempt().workspaceId().value())
                                .toList())
                .bindArray(
                        "ids",
                        String.class,
                        accepted.stream().map(a -> a.attempt().attemptId()).toList())
                .bindArray(
                        "callIds",
                        String.class,
                        accepted.stream()
                                .map(CallEvent.Accepted::providerCallId)
                                .toList())
                .bindArray(
                        "dialedAts",
                        java.time.OffsetDateTime.class,
                        accepted.stream().map(a -> Rows.at(a.dialedAt())).toList())
                .map((rs, ctx) -> moved(rs))
                .list();
        events.addAll(reached(handle, moved, RecipientStatus.INITIATED, now, opened, touched));
        return moved.stream().map(m -> m.attempt().attemptId()).collect(Collectors.toSet());
    }

    private static List<Moved> ring(Handle handle, List<AttemptRef> ringing) {
        if (ringing.isEmpty()) {
            return List.of();
        }
        return KeyArrays.attempts(handle.createQuery("""
                        UPDATE attempts a SET phase = :ringing
                        WHERE (a.workspace_id, a.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))
                          AND a.phase = ANY(:before)
                        RETURNING a.workspace_id, a.id, a.batch_id, a.recipient_id, a.agent_id"""), ringing)
                .bind("ringing", AttemptPhase.RINGING.wireName())
                .bindArray("before", String.class, AttemptPhase.from(AttemptPhase.RINGING))
                .map((rs, ctx) -> moved(rs))
                .list();
    }

    private static List<Moved> answer(Handle handle, List<AttemptRef> answered, Instant now, Opened opened) {
        if (answered.isEmpty()) {
            return List.of();
        }
        var moved = KeyArrays.attempts(handle.createQuery("""
                        UPDATE attempts a SET phase = :answered, answered_at = :now
                        WHERE (a.workspace_id, a.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))
                          AND a.phase = ANY(:before)
                        RETURNING a.workspace_id, a.id, a.batch_id, a.recipient_id, a.agent_id"""), answered)
                .bind("answered", AttemptPhase.ANSWERED.wireName())
                .bindArray("before", String.class, AttemptPhase.from(AttemptPhase.ANSWERED))
                .bind("now", Rows.at(now))
                .map((rs, ctx) -> moved(rs))
                .list();
        if (!moved.isEmpty()) {
            var refs = moved.stream().map(Moved::attempt).toList();
            opened.open(handle, refs, now);
            KeyArrays.attempts(handle.createUpdate("""
                            UPDATE conversations c
                            SET status = 'in-progress', call_result = :answeredResult, updated_at = :now
                            FROM attempts a
                            WHERE (a.workspace_id, a.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))
                              AND c.workspace_id = a.workspace_id AND c.id = a.conversation_id"""), refs)
                    .bind("answeredResult", CallResult.ANSWERED.wireName())
                    .bind("now", Rows.at(now))
                    .execute();
        }
        return moved;
    }

    /**
     * Records detection verdicts, the first one per attempt (a repeated callback changes nothing). The attempt keeps
     * its phase and its slot: the call goes on, and {@link #end} reads the verdict when the call really ends. A
     * verdict that arrives after the end is still recorded, but the outcome stays as it ended. Returns the attempts
     * whose verdict this recorded.
     */
    private static List<AttemptRef> detect(Handle handle, List<CallEvent.MachineDetected> detected) {
        if (detected.isEmpty()) {
            return List.of();
        }
        var first = new LinkedHashMap<String, CallEvent.MachineDetected>();
        detected.forEach(m -> first.putIfAbsent(
                m.attempt().workspaceId().value() + "/" + m.attempt().attemptId(), m));
        var unique = List.copyOf(first.values());
        return handle.createQuery("""
                        UPDATE attempts a SET answered_by = e.answered_by
                        FROM unnest(:workspaceIds, :ids, :verdicts) AS e(workspace_id, id, answered_by)
                        WHERE a.workspace_id = e.workspace_id AND a.id = e.id AND a.answered_by IS NULL
                        RETURNING a.workspace_id, a.id, a.batch_id, a.recipient_id, a.agent_id""")
                .bindArray(
                        "workspaceIds",
                        String.class,
                        unique.stream()
                                .map(m -> m.attempt().workspaceId().value())
                                .toList())
                .bindArray(
                        "ids",
                        String.class,
                        unique.stream().map(m -> m.attempt().attemptId()).toList())
                .bindArray(
                        "verdicts",
                        String.class,
                        unique.stream()
                                .map(CallEvent.MachineDetected::answeredBy)
                                .toList())
                .map((rs, ctx) -> moved(rs).attempt())
                .list();
    }

    /**
     * An answered call whose detection said "machine" ended as a voicemail, whatever the provider's final status
     * says ({@code completed} covers humans and machines alike). Runs under the workspaces' locks, so a verdict
     * recorded by another node's group is seen.
     */
    private static List<CallEvent.Ended> withVerdicts(Handle handle, List<CallEvent.Ended> ends) {
        var completed = ends.stream()
                .filter(e -> e.outcome() instanceof Outcome.Completed)
                .toList();
        if (completed.isEmpty()) {
            return ends;
        }
        var machines = Set.copyOf(KeyArrays.attempts(
                        handle.createQuery("""
                        SELECT a.workspace_id || '/' || a.id FROM attempts a
                        WHERE (a.workspace_id, a.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))
                          AND a.answered_by LIKE 'machine\\_%'"""),
                        completed.stream().map(CallEvent.Ended::attempt).toList())
                .mapTo(String.class)
                .list());
        if (machines.isEmpty()) {
            return ends;
        }
        return ends.stream()
                .map(e -> e.outcome() instanceof Outcome.Completed
                                && machines.contains(e.attempt().workspaceId().value() + "/"
                                        + e.attempt().attemptId())
                        ? new CallEvent.Ended(
                                e.attempt(),
                                new Outcome.Voicemail(),
                                e.providerStatus(),
                                e.sipCode(),
                                e.reachedProvider())
                        : e)
                .toList();
    }

    /**
     * The attempts reached their provider: conversations open, recipients move to {@code status} (from an earlier
     * one only), and their batches are noted to show the change (see settle). Returns the moves' events.
     */
    private static List<Outbox.Event> reached(
            Handle handle,
            List<Moved> moved,
            RecipientStatus status,
            Instant now,
            Opened opened,
            java.util.Set<BatchRef> touched) {
        if (moved.isEmpty()) {
            return List.of();
        }
        opened.open(handle, moved.stream().map(Moved::attempt).toList(), now);
        var moves = handle.createQuery("""
                        UPDATE recipients r SET status = :status, updated_at = :now
                        FROM (SELECT m.workspace_id, m.batch_id, m.id, m.attempt_id, before.status AS previous
                              FROM unnest(:workspaceIds, :batchIds, :ids, :attemptIds)
                                  AS m(workspace_id, batch_id, id, attempt_id)
                              JOIN recipients before ON before.workspace_id = m.workspace_id
                                                    AND before.batch_id = m.batch_id AND before.id = m.id) m
                        WHERE r.workspace_id = m.workspace_id AND r.batch_id = m.batch_id AND r.id = m.id
                          AND r.status = ANY(:earlier)
                        RETURNING r.workspace_id, m.previous, m.attempt_id,""" + LifecycleEvents.RECIPIENT_COLUMNS)
                .bind("status", status.wireName())
                .bind("now", Rows.at(now))
                // Not from pending: a recipient sent back to pending by a retry is not moved by its old attempt.
                .bindArray(
                        "earlier",
                        String.class,
                        RecipientStatus.from(status).stream()
                                .filter(s -> !s.equals(RecipientStatus.PENDING.wireName()))
                                .toList())
                .bindArray(
                        "workspaceIds",
                        String.class,
                        moved.stream()
                                .map(m -> m.attempt().workspaceId().value())
                                .toList())
                .bindArray(
                        "batchIds",
                        String.class,
                        moved.stream().map(Moved::batchId).toList())
                .bindArray(
                        "ids",
                        String.class,
                        moved.stream().map(Moved::recipientId).toList())
                .bindArray(
                        "attemptIds",
                        String.class,
                        moved.stream().map(m -> m.attempt().attemptId()).toList())
                .map((rs, ctx) -> recipientMove(rs))
                .list();
        // Their batches show the change once the group locks them, at its end (settle).
        moved.forEach(m -> touched.add(new BatchRef(m.attempt().workspaceId(), m.batchId())));
        return LifecycleEvents.recipientEvents(handle, moves);
    }

    static LifecycleEvents.RecipientMove recipientMove(java.sql.ResultSet rs) throws java.sql.SQLException {
        var workspace = new WorkspaceId(rs.getString("workspace_id"));
        return new LifecycleEvents.RecipientMove(
                new BatchRef(workspace, rs.getString("batch_id")),
                rs.getString("id"),
                rs.getString("previous"),
                java.util.Optional.of(new AttemptRef(workspace, rs.getString("attempt_id"))),
                // The row as the update left it: its event is built from it, without reading it again.
                java.util.Optional.of(RecipientStore.recipient(rs, null)));
    }

    /**
     * The attempts whose conversations this group already opened: opening is idempotent, so opening one again in
     * the same transaction is skipped rather than repeated.
     */
    private record Opened(Set<AttemptRef> attempts) {
        void open(Handle handle, List<AttemptRef> refs, Instant now) {
            var fresh = refs.stream().filter(attempts::add).toList();
            if (!fresh.isEmpty()) {
                ConversationWrites.opened(handle, fresh, now);
            }
        }
    }

    /**
     * What ending a group did: the attempts it ended, the slots they free (their batches' counts are settled last,
     * under the batch rows' locks) and the recipients each batch finished.
     */
    private record Ends(Set<String> endedAttemptIds, List<InFlight.Release> released, Map<BatchRef, Integer> finished) {
        static final Ends NONE = new Ends(Set.of(), List.of(), Map.of());
    }

    private static Ends end(
            Handle handle,
            List<CallEvent.Ended> group,
            Instant now,
            List<Outbox.Event> events,
            RandomGenerator random,
            Opened opened) {
        // One end per attempt: the first report wins, as it would one transaction after another.
        var ends = new LinkedHashMap<String, CallEvent.Ended>();
        group.forEach(end -> ends.putIfAbsent(
                end.attempt().workspaceId().value() + "/" + end.attempt().attemptId(), end));
        var unique = withVerdicts(handle, List.copyOf(ends.values()));
        var changed = endAttempts(handle, unique, now);
        if (changed.isEmpty()) {
            return Ends.NONE;
        }
        var released = changed.stream()
                .map(c -> new InFlight.Release(c.attempt().workspaceId(), c.agentId(), c.batchId()))
                .toList();
        InFlight.releasedLater(handle, released);
        var byId = unique.stream().collect(Collectors.toMap(e -> e.attempt().attemptId(), e -> e, (a, b) -> a));
        var reached = changed.stream()
                .map(Moved::attempt)
                .filter(ref -> byId.get(ref.attemptId()).reachedProvider())
                .toList();
        if (!reached.isEmpty()) {
            opened.open(handle, reached, now);
            ConversationWrites.closed(handle, reached, now);
        }
        var retries = RetryScheduling.due(handle, changed, byId, now, random);
        var retried = RetryScheduling.schedule(handle, retries, now);
        var moves = finishRecipients(
                handle,
                changed.stream()
                        .filter(c -> !retries.containsKey(c.attempt().attemptId()))
                        .toList(),
                byId,
                now);
        var finished = new TreeMap<BatchRef, Integer>(InFlight.BATCH_ORDER);
        moves.forEach(move -> finished.merge(move.batch(), 1, Integer::sum));
        events.addAll(LifecycleEvents.recipientEvents(handle, retried, Optional.of(RetryScheduling.EVENT)));
        events.addAll(LifecycleEvents.recipientEvents(handle, moves));
        events.addAll(LifecycleEvents.initiationFailures(handle, reached));
        return new Ends(
                changed.stream().map(c -> c.attempt().attemptId()).collect(Collectors.toSet()), released, finished);
    }

    private static List<Moved> endAttempts(Handle handle, List<CallEvent.Ended> ends, Instant now) {
        return handle.createQuery("""
                        UPDATE attempts a SET phase = :ended, ended_at = :now, outcome = e.outcome,
                            provider_status = e.provider_status, sip_code = e.sip_code,
                            failure_reason = e.failure_reason, lease_expires_at = NULL
                        FROM unnest(:workspaceIds, :ids, :outcomes, :statuses, :sipCodes, :reasons)
                            AS e(workspace_id, id, outcome, provider_status, sip_code, failure_reason)
                        WHERE a.workspace_id = e.workspace_id AND a.id = e.id AND a.phase = ANY(:before)
                        RETURNING a.workspace_id, a.id, a.batch_id, a.recipient_id, a.agent_id""")
                .bind("ended", AttemptPhase.ENDED.wireName())
                .bindArray("before", String.class, AttemptPhase.from(AttemptPhase.ENDED))
                .bind("now", Rows.at(now))
                .bindArray(
                        "workspaceIds",
                        String.class,
                        ends.stream()
                                .map(e -> e.attempt().workspaceId().value())
                                .toList())
                .bindArray(
                        "ids",
                        String.class,
                        ends.stream().map(e -> e.attempt().attemptId()).toList())
                .bindArray(
                        "outcomes",
                        String.class,
                        ends.stream().map(e -> e.outcome().wireName()).toList())
                .bindArray(
                        "statuses",
                        String.class,
                        ends.stream().map(e -> e.providerStatus().orElse(null)).toList())
                .bindArray(
                        "sipCodes",
                        Integer.class,
                        ends.stream().map(e -> e.sipCode().orElse(null)).toList())
                .bindArray(
                        "reasons",
                        String.class,
                        ends.stream().map(e -> e.outcome().failureReason()).toList())
                .map((rs, ctx) -> moved(rs))
                .list();
    }

    /** Moves each recipient to its final status; returns the moves (each one a recipient its batch finished). */
    private static List<LifecycleEvents.RecipientMove> finishRecipients(
            Handle handle, List<Moved> changed, Map<String, CallEvent.Ended> ends, Instant now) {
        if (changed.isEmpty()) {
            return List.of();
        }
        return handle.createQuery("""
                        UPDATE recipients r SET status = e.status, last_outcome = e.outcome, updated_at = :now
                        FROM (SELECT e.*, before.status AS previous
                              FROM unnest(:workspaceIds, :batchIds, :ids, :statuses, :outcomes, :attemptIds)
                                  AS e(workspace_id, batch_id, id, status, outcome, attempt_id)
                              JOIN recipients before ON before.workspace_id = e.workspace_id
                                                    AND before.batch_id = e.batch_id AND before.id = e.id) e
                        WHERE r.workspace_id = e.workspace_id AND r.batch_id = e.batch_id AND r.id = e.id
                          AND r.status = ANY(:open)
                        RETURNING r.workspace_id, e.previous, e.attempt_id,""" + LifecycleEvents.RECIPIENT_COLUMNS)
                .bind("now", Rows.at(now))
                .bindArray("open", String.class, RecipientStatus.open())
                .bindArray(
                        "workspaceIds",
                        String.class,
                        changed.stream()
                                .map(c -> c.attempt().workspaceId().value())
                                .toList())
                .bindArray(
                        "batchIds",
                        String.class,
                        changed.stream().map(Moved::batchId).toList())
                .bindArray(
                        "ids",
                        String.class,
                        changed.stream().map(Moved::recipientId).toList())
                .bindArray(
                        "statuses",
                        String.class,
                        changed.stream()
                                .map(c -> ends.get(c.attempt().attemptId())
                                        .outcome()
                                        .recipientStatus()
                                        .wireName())
                                .toList())
                .bindArray(
                        "outcomes",
                        String.class,
                        changed.stream()
                                .map(c -> ends.get(c.attempt().attemptId())
                                        .outcome()
                                        .wireName())
                                .toList())
                .bindArray(
                        "attemptIds",
                        String.class,
                        changed.stream().map(c -> c.attempt().attemptId()).toList())
                .map((rs, ctx) -> recipientMove(rs))
                .list();
    }

    private static Moved moved(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Moved(
                new AttemptRef(new WorkspaceId(rs.getString("workspace_id")), rs.getString("id")),
                rs.getString("batch_id"),
                rs.getString("recipient_id"),
                rs.getString("agent_id"));
    }
}
