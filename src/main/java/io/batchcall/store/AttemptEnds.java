package io.batchcall.store;

import io.batchcall.domain.AttemptPhase;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.CallEvent;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.RecipientStatus;
import io.batchcall.store.AttemptLifecycle.Moved;
import io.batchcall.store.AttemptLifecycle.Opened;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;

/**
 * A group's calls ending, for {@link AttemptLifecycle}: one end per attempt (the first report wins), a machine's
 * verdict turning a completed call into a voicemail, the attempts ended and their slots appended for the next
 * claim to fold, conversations closed, retries scheduled by the batch's policy, and the other recipients moved to
 * their final status, each move with its event. The batches' counts are settled by the caller, last.
 */
final class AttemptEnds {
    private AttemptEnds() {}

    /**
     * What ending a group did: the attempts it ended, the slots they free (their batches' counts are settled last,
     * under the batch rows' locks) and the recipients each batch finished.
     */
    record Ends(Set<String> endedAttemptIds, List<InFlight.Release> released, Map<BatchRef, Integer> finished) {
        static final Ends NONE = new Ends(Set.of(), List.of(), Map.of());
    }

    static Ends end(
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
        // The attempts as endAttempts left them: nothing after it in the group writes them.
        events.addAll(LifecycleEvents.recipientEvents(
                handle, AttemptLifecycle.withAttempts(retried, changed), Optional.of(RetryScheduling.EVENT)));
        events.addAll(LifecycleEvents.recipientEvents(handle, AttemptLifecycle.withAttempts(moves, changed)));
        events.addAll(CallEvents.initiationFailures(handle, reached));
        return new Ends(
                changed.stream().map(c -> c.attempt().attemptId()).collect(Collectors.toSet()), released, finished);
    }

    /**
     * An answered call whose detection said "machine" ended as a voicemail, whatever the provider's final status
     * says ({@code completed} covers humans and machines alike). Runs under the workspaces' locks, so a verdict
     * recorded by another node's group is seen.
     */
    static List<CallEvent.Ended> withVerdicts(Handle handle, List<CallEvent.Ended> ends) {
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

    static List<Moved> endAttempts(Handle handle, List<CallEvent.Ended> ends, Instant now) {
        return KeyArrays.attempts(
                        handle.createQuery("""
                        UPDATE attempts a SET phase = :ended, ended_at = :now, outcome = e.outcome,
                            provider_status = e.provider_status, sip_code = e.sip_code,
                            failure_reason = e.failure_reason, lease_expires_at = NULL
                        FROM unnest(:workspaceIds, :ids, :outcomes, :statuses, :sipCodes, :reasons)
                            AS e(workspace_id, id, outcome, provider_status, sip_code, failure_reason)
                        WHERE a.workspace_id = e.workspace_id AND a.id = e.id AND a.phase = ANY(:before)
                        RETURNING\s""" + AttemptLifecycle.MOVED_COLUMNS),
                        ends.stream().map(CallEvent::attempt).toList())
                .bind("ended", AttemptPhase.ENDED.wireName())
                .bindArray("before", String.class, AttemptPhase.from(AttemptPhase.ENDED))
                .bind("now", Rows.at(now))
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
                .map((rs, ctx) -> AttemptLifecycle.moved(rs))
                .list();
    }

    /** Moves each recipient to its final status; returns the moves (each one a recipient its batch finished). */
    static List<LifecycleEvents.RecipientMove> finishRecipients(
            Handle handle, List<Moved> changed, Map<String, CallEvent.Ended> ends, Instant now) {
        if (changed.isEmpty()) {
            return List.of();
        }
        return KeyArrays.moved(handle.createQuery("""
                        UPDATE recipients r SET status = e.status, last_outcome = e.outcome, updated_at = :now
                        FROM (SELECT e.*, before.status AS previous
                              FROM unnest(:workspaceIds, :batchIds, :ids, :statuses, :outcomes, :attemptIds)
                                  AS e(workspace_id, batch_id, id, status, outcome, attempt_id)
                              JOIN recipients before ON before.workspace_id = e.workspace_id
                                                    AND before.batch_id = e.batch_id AND before.id = e.id) e
                        WHERE r.workspace_id = e.workspace_id AND r.batch_id = e.batch_id AND r.id = e.id
                          AND r.status = ANY(:open)
                        RETURNING r.workspace_id, e.previous, e.attempt_id,""" + LifecycleEvents.RECIPIENT_COLUMNS), changed)
                .bind("now", Rows.at(now))
                .bindArray("open", String.class, RecipientStatus.open())
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
                .map((rs, ctx) -> AttemptLifecycle.recipientMove(rs))
                .list();
    }
}
