package io.batchcall.store;

import io.batchcall.domain.AttemptPhase;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.BatchStatus;
import io.batchcall.domain.CallEvent;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.RecipientStatus;
import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
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

    /**
     * An attempt a statement moved, as it left it ({@link #MOVED_COLUMNS} returned): its recipient's event shows
     * it from here, not from a second read.
     */
    record Moved(
            AttemptRef attempt,
            String batchId,
            String recipientId,
            String agentId,
            LifecycleEvents.AttemptAfter after) {}

    /** {@link #lockAttempts}'s statement, bound by {@link KeyArrays#attempts}; its plan is tested. */
    static final String LOCK_ATTEMPTS = """
            SELECT a.id FROM attempts a
            JOIN unnest(:workspaceIds, :ids) WITH ORDINALITY AS t(workspace_id, id, n)
              ON a.workspace_id = t.workspace_id AND a.id = t.id
            ORDER BY t.n
            FOR NO KEY UPDATE OF a""";

    /** What a statement moving attempts ({@code attempts a}) returns for {@link #moved}. */
    static final String MOVED_COLUMNS =
            "a.workspace_id, a.id, a.batch_id, a.recipient_id, " + LifecycleEvents.AttemptAfter.COLUMNS;

    /** The recipients' moves with their attempts as the group's statements left them. */
    static List<LifecycleEvents.RecipientMove> withAttempts(
            List<LifecycleEvents.RecipientMove> moves, List<Moved> moved) {
        var after = new java.util.HashMap<String, LifecycleEvents.AttemptAfter>();
        moved.forEach(m -> after.put(m.attempt().attemptId(), m.after()));
        return moves.stream()
                .map(move -> move.withAttemptAfter(move.attempt().map(ref -> after.get(ref.attemptId()))))
                .toList();
    }

    /**
     * Applies a group of events in one transaction. It takes no workspace lock: ends append the slots they free
     * ({@link InFlight#RELEASED_LATER}) instead of writing the workspace and agent rows a claim holds, and the batch
     * rows, which claims write too, are locked last, in one order, just before the batches' counters change. So a
     * group and a claim wait for each other only for the other's last statements, not its whole transaction.
     */
    public Result apply(List<CallEvent> group) {
        return jdbi.inTransaction(handle -> {
            planWithoutValues(handle);
            lockAttempts(handle, group.stream().map(CallEvent::attempt).toList());
            return apply(handle, group, clock.instant());
        });
    }

    /**
     * The group's statements are planned once per connection without their values (a generic plan), not again for
     * every group with them. Each of them reads its rows by key, joined to arrays of keys, and filters on the states
     * it moves from. Planned with the values, the filter is estimated from the last ANALYZE, which in a batch's
     * first seconds saw no recipient dispatched or initiated yet: one row expected, so the planner read recipients
     * whole and joined every row it found to every key (in a quick bench/run: 20 to 117 ms a statement, until
     * autovacuum caught up, which on an external database can take a minute). A generic plan expects a few keys and
     * reads them by primary key, which is right for one key and for 500. Planning with 500 keys as constants also
     * cost several milliseconds a statement; the generic plan is made once.
     */
    static void planWithoutValues(Handle handle) {
        handle.execute("SET LOCAL plan_cache_mode = force_generic_plan");
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
        KeyArrays.attempts(handle.createQuery(LOCK_ATTEMPTS), sorted)
                .mapTo(String.class)
                .list();
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
        var shared = new Group();
        var acceptedIds = AttemptProgress.accept(handle, accepted, now, events, shared);
        events.addAll(AttemptProgress.reached(
                handle, AttemptProgress.ring(handle, ringing), RecipientStatus.INITIATED, now, shared));
        events.addAll(AttemptProgress.reached(
                handle,
                AttemptProgress.answer(handle, answered, now, shared.opened),
                RecipientStatus.IN_PROGRESS,
                now,
                shared));
        events.addAll(CallEvents.machineDetections(handle, AttemptProgress.detect(handle, detected)));
        var ends =
                ended.isEmpty() ? AttemptEnds.Ends.NONE : AttemptEnds.end(handle, ended, now, events, random, shared);
        outbox.append(handle, events, now);
        // The batch rows last: a claim writes them too, so each waits for the other only from here to its commit.
        var touched = shared.touched;
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
    private List<BatchRef> settle(
            Handle handle, java.util.SortedSet<BatchRef> batches, AttemptEnds.Ends ends, Instant now) {
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
        // written when the second changes, not once per call event. A batch whose slots the ends free is written by
        // settleBatches below, which shows the change itself: only the others need this statement.
        var settled = new java.util.HashSet<BatchRef>();
        ends.released().forEach(r -> settled.add(new BatchRef(r.workspace(), r.batchId())));
        var unsettled = keys.stream().filter(batch -> !settled.contains(batch)).toList();
        if (!unsettled.isEmpty()) {
            showChange(handle, unsettled, now);
        }
        if (ends.released().isEmpty()) {
            return List.of();
        }
        // Slots were freed: the same statement tells every node's dispatcher (a notification goes out at commit).
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
        return completed;
    }

    /** The batches show that something changed on them now: their {@code updated_at}, once per second at most. */
    private static void showChange(Handle handle, List<BatchRef> batches, Instant now) {
        KeyArrays.batches(handle.createUpdate("""
                        UPDATE batches b SET updated_at = :now
                        FROM unnest(:workspaceIds, :ids) AS t(workspace_id, id)
                        WHERE b.workspace_id = t.workspace_id AND b.id = t.id
                          AND date_trunc('second', b.updated_at) < date_trunc('second', CAST(:now AS timestamptz))"""), batches)
                .bind("now", Rows.at(now))
                .execute();
    }

    /**
     * What one group's statements share, so that none of them writes or reads again what another already did: the
     * conversations it opened, the batches it touched (locked and shown changed at its end, {@link #settle}), and the
     * batches' counts its recipient events show.
     */
    static final class Group {
        /**
         * A call that was accepted, answered and ended within one group would otherwise open its conversation up to
         * four times (each an insert and a recipient update, unchanged after the first).
         */
        final Opened opened = new Opened();

        final java.util.SortedSet<BatchRef> touched = new java.util.TreeSet<>(InFlight.BATCH_ORDER);
        final LifecycleEvents.Counts counts = new LifecycleEvents.Counts();
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
     * the same transaction is skipped rather than repeated. A conversation is created first and shown on its
     * recipient after; a recipient whose status moves in the group is shown it by that move
     * ({@link AttemptProgress#reached}), since a second write of the row would put a new entry in each of its
     * indexes.
     */
    static final class Opened {
        private final Set<AttemptRef> attempts = new java.util.HashSet<>();
        private final Set<AttemptRef> unshown = new java.util.HashSet<>();

        /** Creates the attempts' conversations and shows them on their recipients. */
        void open(Handle handle, List<AttemptRef> refs, Instant now) {
            insert(handle, refs, now);
            show(handle, refs);
        }

        /** Creates the conversations of the attempts not opened yet in this group; their recipients wait. */
        void insert(Handle handle, List<AttemptRef> refs, Instant now) {
            var fresh = refs.stream().filter(attempts::add).toList();
            if (!fresh.isEmpty()) {
                ConversationWrites.inserted(handle, fresh, now);
                unshown.addAll(fresh);
            }
        }

        /**
         * These attempts' conversations exist, and their recipients show them (the transaction, or the step of
         * this group, that created one showed it): neither is done again.
         */
        void existing(java.util.Collection<AttemptRef> refs) {
            attempts.addAll(refs);
        }

        /** These attempts' recipients were shown their conversations by the status move that wrote them. */
        void shownBy(java.util.Collection<AttemptRef> moved) {
            unshown.removeAll(moved);
        }

        /** Shows the conversations on the recipients of those attempts that still wait. */
        void show(Handle handle, List<AttemptRef> refs) {
            ConversationWrites.shown(
                    handle, refs.stream().filter(unshown::remove).toList());
        }
    }

    static Moved moved(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Moved(
                new AttemptRef(new WorkspaceId(rs.getString("workspace_id")), rs.getString("id")),
                rs.getString("batch_id"),
                rs.getString("recipient_id"),
                rs.getString("agent_id"),
                LifecycleEvents.AttemptAfter.of(rs));
    }
}
