package io.batchcall.store;

import io.batchcall.domain.AttemptPhase;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.CallEvent;
import io.batchcall.domain.CallResult;
import io.batchcall.domain.RecipientStatus;
import io.batchcall.store.AttemptLifecycle.Moved;
import io.batchcall.store.AttemptLifecycle.Opened;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;

/**
 * A group's calls moving forward short of their end, for {@link AttemptLifecycle}: accepted by their provider
 * (ringing), ringing, answered (their conversations open), a machine-detection verdict recorded; and the recipients
 * those moves reach ({@code initiated}, {@code in_progress}) with their events. Each statement moves only
 * attempts that have not passed that phase, so a late or repeated report changes nothing.
 */
final class AttemptProgress {
    /** The recipients' move to initiated or in progress, with their conversation; its plan is tested. */
    static final String MOVE_RECIPIENTS = """
            UPDATE recipients r SET status = :status, updated_at = :now, conversation_id = m.conversation_id
            FROM (SELECT m.workspace_id, m.batch_id, m.id, m.attempt_id, m.conversation_id,
                         before.status AS previous
                  FROM unnest(:workspaceIds, :batchIds, :ids, :attemptIds, :conversationIds)
                      AS m(workspace_id, batch_id, id, attempt_id, conversation_id)
                  JOIN recipients before ON before.workspace_id = m.workspace_id
                                        AND before.batch_id = m.batch_id AND before.id = m.id) m
            WHERE r.workspace_id = m.workspace_id AND r.batch_id = m.batch_id AND r.id = m.id
              AND r.status = ANY(:earlier)
            RETURNING r.workspace_id, m.previous, m.attempt_id,""" + LifecycleEvents.RECIPIENT_COLUMNS;

    private AttemptProgress() {}

    static Set<String> accept(
            Handle handle,
            List<CallEvent.Accepted> accepted,
            Instant now,
            List<Outbox.Event> events,
            AttemptLifecycle.Group shared) {
        if (accepted.isEmpty()) {
            return Set.of();
        }
        // The call's id and dial time are recorded even on an attempt that already ended: its end can overtake the
        // dial's answer (the provider's end callback, or a zero-length call's end, reported on another thread while
        // the dial request's answer was on its way), and they are facts of the call. Its phase, outcome and
        // recipient stay as they ended, and its caller hears "not wanted" (another node may have recovered it as
        // interrupted: the call must be hung up).
        var updated = KeyArrays.attempts(
                        handle.createQuery("""
                        UPDATE attempts a SET provider_call_id = coalesce(a.provider_call_id, e.call_id),
                            dialed_at = coalesce(a.dialed_at, e.dialed_at),
                            phase = CASE WHEN a.phase = ANY(:before) THEN :ringing ELSE a.phase END
                        FROM unnest(:workspaceIds, :ids, :callIds, :dialedAts) AS e(workspace_id, id, call_id, dialed_at)
                        WHERE a.workspace_id = e.workspace_id AND a.id = e.id
                        RETURNING\s""" + AttemptLifecycle.MOVED_COLUMNS),
                        accepted.stream().map(CallEvent::attempt).toList())
                .bindArray("before", String.class, AttemptPhase.from(AttemptPhase.RINGING))
                .bind("ringing", AttemptPhase.RINGING.wireName())
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
                .map((rs, ctx) -> AttemptLifecycle.moved(rs))
                .list();
        var moved = updated.stream()
                .filter(m ->
                        !AttemptPhase.ENDED.wireName().equals(m.after().data().phase()))
                .toList();
        events.addAll(reached(handle, moved, RecipientStatus.INITIATED, now, shared));
        return moved.stream().map(m -> m.attempt().attemptId()).collect(Collectors.toSet());
    }

    static List<Moved> ring(Handle handle, List<AttemptRef> ringing) {
        if (ringing.isEmpty()) {
            return List.of();
        }
        return KeyArrays.attempts(handle.createQuery("""
                        UPDATE attempts a SET phase = :ringing
                        WHERE (a.workspace_id, a.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))
                          AND a.phase = ANY(:before)
                        RETURNING\s""" + AttemptLifecycle.MOVED_COLUMNS), ringing)
                .bind("ringing", AttemptPhase.RINGING.wireName())
                .bindArray("before", String.class, AttemptPhase.from(AttemptPhase.RINGING))
                .map((rs, ctx) -> AttemptLifecycle.moved(rs))
                .list();
    }

    /**
     * Moves the attempts to answered, and their conversations to in progress. One statement does both for the
     * conversations there are (opened when the call reached its provider, usually in an earlier group); those not
     * opened yet (an answer reported before its dial's acceptance was recorded) are opened and moved after it.
     */
    static List<Moved> answer(Handle handle, List<AttemptRef> answered, Instant now, Opened opened) {
        if (answered.isEmpty()) {
            return List.of();
        }
        var rows = KeyArrays.attempts(
                        handle.createQuery("""
                        WITH moved AS (
                            UPDATE attempts a SET phase = :answered, answered_at = :now
                            WHERE (a.workspace_id, a.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))
                              AND a.phase = ANY(:before)
                            RETURNING\s""" + AttemptLifecycle.MOVED_COLUMNS + """
                        ),
                        progressed AS (
                            UPDATE conversations c SET\s""" + IN_PROGRESS + """

                            FROM moved a
                            WHERE c.workspace_id = a.workspace_id AND c.id = a.conversation_id
                            RETURNING c.workspace_id, c.id)
                        SELECT a.*, EXISTS (SELECT 1 FROM progressed p
                                            WHERE p.workspace_id = a.workspace_id AND p.id = a.conversation_id)
                            AS has_conversation
                        FROM moved a"""), answered)
                .bind("answered", AttemptPhase.ANSWERED.wireName())
                .bindArray("before", String.class, AttemptPhase.from(AttemptPhase.ANSWERED))
                .bind("answeredResult", CallResult.ANSWERED.wireName())
                .bind("now", Rows.at(now))
                .map((rs, ctx) -> new AnsweredRow(AttemptLifecycle.moved(rs), rs.getBoolean("has_conversation")))
                .list();
        var moved = rows.stream().map(AnsweredRow::moved).toList();
        // A conversation there was is shown on its recipient already: the transaction that created it showed it.
        opened.existing(rows.stream()
                .filter(AnsweredRow::hadConversation)
                .map(row -> row.moved().attempt())
                .toList());
        var unopened = rows.stream()
                .filter(row -> !row.hadConversation())
                .map(row -> row.moved().attempt())
                .toList();
        if (!unopened.isEmpty()) {
            // Shown on their recipients by the move to in_progress that follows (reached).
            opened.insert(handle, unopened, now);
            KeyArrays.attempts(handle.createUpdate("UPDATE conversations c SET " + IN_PROGRESS + """

                            FROM attempts a
                            WHERE (a.workspace_id, a.id) IN (SELECT * FROM unnest(:workspaceIds, :ids))
                              AND c.workspace_id = a.workspace_id AND c.id = a.conversation_id"""), unopened)
                    .bind("answeredResult", CallResult.ANSWERED.wireName())
                    .bind("now", Rows.at(now))
                    .execute();
        }
        return moved;
    }

    /** An attempt {@link #answer} moved, and whether its conversation was there (and moved with it). */
    private record AnsweredRow(Moved moved, boolean hadConversation) {}

    /** An answered call's conversation, {@code c}: in progress. */
    private static final String IN_PROGRESS =
            "status = 'in-progress', call_result = :answeredResult, updated_at = :now";

    /**
     * Records detection verdicts, the first one per attempt (a repeated callback changes nothing). The attempt keeps
     * its phase and its slot: the call goes on, and {@link AttemptEnds#end} reads the verdict when the call really ends. A
     * verdict that arrives after the end is still recorded, but the outcome stays as it ended. Returns the attempts
     * whose verdict this recorded.
     */
    static List<AttemptRef> detect(Handle handle, List<CallEvent.MachineDetected> detected) {
        if (detected.isEmpty()) {
            return List.of();
        }
        var first = new LinkedHashMap<String, CallEvent.MachineDetected>();
        detected.forEach(m -> first.putIfAbsent(
                m.attempt().workspaceId().value() + "/" + m.attempt().attemptId(), m));
        var unique = List.copyOf(first.values());
        return KeyArrays.attempts(
                        handle.createQuery("""
                        UPDATE attempts a SET answered_by = e.answered_by
                        FROM unnest(:workspaceIds, :ids, :verdicts) AS e(workspace_id, id, answered_by)
                        WHERE a.workspace_id = e.workspace_id AND a.id = e.id AND a.answered_by IS NULL
                        RETURNING\s""" + AttemptLifecycle.MOVED_COLUMNS),
                        unique.stream().map(CallEvent::attempt).toList())
                .bindArray(
                        "verdicts",
                        String.class,
                        unique.stream()
                                .map(CallEvent.MachineDetected::answeredBy)
                                .toList())
                .map((rs, ctx) -> AttemptLifecycle.moved(rs).attempt())
                .list();
    }

    /**
     * The attempts reached their provider: conversations open, recipients move to {@code status} (from an earlier
     * one only), and their batches are noted to show the change (AttemptLifecycle.settle). Returns the moves' events.
     */
    static List<Outbox.Event> reached(
            Handle handle, List<Moved> moved, RecipientStatus status, Instant now, AttemptLifecycle.Group shared) {
        if (moved.isEmpty()) {
            return List.of();
        }
        var opened = shared.opened;
        var refs = moved.stream().map(Moved::attempt).toList();
        opened.insert(handle, refs, now);
        // The move shows the attempt's conversation on the recipient too: one write of the row instead of two.
        var moves = KeyArrays.moved(handle.createQuery(MOVE_RECIPIENTS), moved)
                .bind("status", status.wireName())
                .bind("now", Rows.at(now))
                .bindArray(
                        "conversationIds",
                        String.class,
                        moved.stream()
                                .map(m -> m.after().data().conversationId())
                                .toList())
                // Not from pending: a recipient sent back to pending by a retry is not moved by its old attempt.
                .bindArray(
                        "earlier",
                        String.class,
                        RecipientStatus.from(status).stream()
                                .filter(s -> !s.equals(RecipientStatus.PENDING.wireName()))
                                .toList())
                .map((rs, ctx) -> AttemptLifecycle.recipientMove(rs))
                .list();
        opened.shownBy(moves.stream().flatMap(move -> move.attempt().stream()).toList());
        opened.show(handle, refs);
        // Their batches show the change once the group locks them, at its end (settle).
        moved.forEach(m -> shared.touched.add(new BatchRef(m.attempt().workspaceId(), m.batchId())));
        return LifecycleEvents.recipientEvents(
                handle, AttemptLifecycle.withAttempts(moves, moved), Optional.empty(), shared.counts);
    }
}
