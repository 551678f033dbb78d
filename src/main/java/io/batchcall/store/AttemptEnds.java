package io.batchcall.store;

import io.batchcall.domain.AttemptPhase;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.CallEvent;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.RecipientStatus;
import io.batchcall.store.AttemptLifecycle.Moved;
import java.time.Instant;
import java.util.HashMap;
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
            AttemptLifecycle.Group shared) {
        // One end per attempt: the first report wins, as it would one transaction after another.
        var ends = new LinkedHashMap<String, CallEvent.Ended>();
        group.forEach(end -> ends.putIfAbsent(key(end.attempt()), end));
        var rows = endAttempts(handle, List.copyOf(ends.values()), now);
        if (rows.isEmpty()) {
            return Ends.NONE;
        }
        var changed = rows.stream().map(EndedRow::moved).toList();
        // Their slots were appended to in_flight_releases by the same statement; the batches settle them last.
        var released = changed.stream()
                .map(c -> new InFlight.Release(c.attempt().workspaceId(), c.agentId(), c.batchId()))
                .toList();
        var byId = new HashMap<String, CallEvent.Ended>();
        rows.forEach(row -> byId.put(row.moved().attempt().attemptId(), row.asStored(ends)));
        var reached = rows.stream()
                .filter(row -> byId.get(row.moved().attempt().attemptId()).reachedProvider())
                .toList();
        var reachedAttempts = reached.stream().map(row -> row.moved().attempt()).toList();
        if (!reached.isEmpty()) {
            // Most calls opened their conversations when they reached their provider, in an earlier group; only
            // those whose end was recorded first (a zero-length call, an end that overtook its dial's answer) open
            // them here.
            // The ending statement closed the conversations that existed; these close once opened.
            var unopened = reached.stream()
                    .filter(row -> !row.hasConversation())
                    .map(row -> row.moved().attempt())
                    .toList();
            shared.opened.open(handle, unopened, now);
            ConversationWrites.closed(handle, unopened, now);
        }
        var governed = new HashMap<String, RetryScheduling.Governed>();
        rows.forEach(row ->
                row.governed().ifPresent(g -> governed.put(row.moved().attempt().attemptId(), g)));
        var retries = RetryScheduling.due(changed, governed, byId, now, random);
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
                handle,
                AttemptLifecycle.withAttempts(retried, changed),
                Optional.of(RetryScheduling.EVENT),
                shared.counts));
        events.addAll(LifecycleEvents.recipientEvents(
                handle, AttemptLifecycle.withAttempts(moves, changed), Optional.empty(), shared.counts));
        events.addAll(CallEvents.initiationFailures(
                handle,
                reachedAttempts.stream()
                        .filter(ref -> CallEvents.failsInitiation(
                                byId.get(ref.attemptId()).outcome()))
                        .toList()));
        return new Ends(
                changed.stream().map(c -> c.attempt().attemptId()).collect(Collectors.toSet()), released, finished);
    }

    private static String key(AttemptRef attempt) {
        return attempt.workspaceId().value() + "/" + attempt.attemptId();
    }

    /**
     * An attempt {@link #endAttempts} ended, as it left it; whether its conversation was there already (it is
     * created when the call reaches its provider, or by {@link #end} for a call whose end was recorded first); and
     * the retry policy that governs its recipient, if any.
     */
    record EndedRow(Moved moved, boolean hasConversation, Optional<RetryScheduling.Governed> governed) {
        /**
         * The end as it was stored: a completed call that {@link #endAttempts} ended as a voicemail (its
         * answering-machine verdict said "machine") is a voicemail for its recipient, its retries and its events too.
         */
        CallEvent.Ended asStored(Map<String, CallEvent.Ended> reported) {
            var end = reported.get(key(moved.attempt()));
            if (end.outcome() instanceof Outcome.Completed
                    && new Outcome.Voicemail()
                            .wireName()
                            .equals(moved.after().data().outcome())) {
                return new CallEvent.Ended(
                        end.attempt(),
                        new Outcome.Voicemail(),
                        end.providerStatus(),
                        end.sipCode(),
                        end.reachedProvider());
            }
            return end;
        }
    }

    /**
     * Ends the attempts not ended yet, each with its report's outcome; but an answered call whose
     * answering-machine verdict said "machine" ends as a voicemail, whatever the provider's final status says
     * ({@code completed} covers humans and machines alike). The verdict is read from the locked row, so one recorded
     * by another node's group is seen. The same statement frees their slots ({@link InFlight#RELEASED_LATER}),
     * closes the conversations there are of the calls that reached their provider
     * ({@link ConversationWrites#CLOSED_WITH_THE_ENDS}), and reads what the rest of the group needs to know of each:
     * whether its conversation exists (as it did before this statement: one that does not is opened, then closed,
     * by {@link #end}), and its retry policy ({@link RetryScheduling#GOVERNED_COLUMNS}). One statement instead of
     * five: a group's time is its statements.
     */
    static List<EndedRow> endAttempts(Handle handle, List<CallEvent.Ended> ends, Instant now) {
        var statement = handle.createQuery("""
                        WITH ended AS (
                            UPDATE attempts a SET phase = :ended, ended_at = :now,
                                outcome = CASE WHEN e.outcome = :completed AND a.answered_by LIKE 'machine\\_%'
                                               THEN :voicemail ELSE e.outcome END,
                                provider_status = e.provider_status, sip_code = e.sip_code,
                                failure_reason = e.failure_reason, lease_expires_at = NULL
                            FROM unnest(:workspaceIds, :ids, :outcomes, :statuses, :sipCodes, :reasons, :reached)
                                AS e(workspace_id, id, outcome, provider_status, sip_code, failure_reason, reached)
                            WHERE a.workspace_id = e.workspace_id AND a.id = e.id AND a.phase = ANY(:before)
                            RETURNING\s""" + AttemptLifecycle.MOVED_COLUMNS + ", e.reached AS reached_provider),\n"
                + InFlight.RELEASED_LATER + ",\n"
                + ConversationWrites.CLOSED_WITH_THE_ENDS + """

                        SELECT a.*,
                            EXISTS (SELECT 1 FROM conversations c
                                    WHERE c.workspace_id = a.workspace_id AND c.id = a.conversation_id)
                                AS has_conversation,
                        """
                + RetryScheduling.GOVERNED_COLUMNS + """

                        FROM ended a""");
        return ConversationWrites.bindClose(RetryScheduling.bindGoverned(KeyArrays.attempts(
                        statement, ends.stream().map(CallEvent::attempt).toList())))
                .bind("ended", AttemptPhase.ENDED.wireName())
                .bindArray("before", String.class, AttemptPhase.from(AttemptPhase.ENDED))
                .bind("now", Rows.at(now))
                .bind("completed", new Outcome.Completed().wireName())
                .bind("voicemail", new Outcome.Voicemail().wireName())
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
                .bindArray(
                        "reached",
                        Boolean.class,
                        ends.stream().map(CallEvent.Ended::reachedProvider).toList())
                .map((rs, ctx) -> new EndedRow(
                        AttemptLifecycle.moved(rs), rs.getBoolean("has_conversation"), RetryScheduling.governed(rs)))
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
