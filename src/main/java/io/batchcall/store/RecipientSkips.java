package io.batchcall.store;

import io.batchcall.domain.BatchRef;
import io.batchcall.domain.RecipientStatus;
import io.batchcall.domain.SkipReason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;

/**
 * Ends waiting recipients {@code cancelled} with a skip reason, without a dial: the rules ruled them out (a
 * do-not-call list, an opt-out, an expired window). Each batch counts them finished and completes when they were
 * its last open ones; each move writes its event. The caller holds the recipients' workspace lock (the lock order
 * every writer of recipients' statuses follows).
 */
final class RecipientSkips {
    private RecipientSkips() {}

    /**
     * Recipient ids in PostgreSQL's {@code COLLATE "C"} order, by code point, which is the order {@link PostCallEvents}
     * locks recipients in. A client chooses its recipients' ids: {@link String#compareTo} orders them by UTF-16 unit,
     * which puts a character beyond U+FFFF before U+E000 to U+FFFF, and a database's own collation (a libc locale's
     * case and accent rules) differs more still, so the two writers could take the same rows in opposite orders.
     */
    static final java.util.Comparator<String> ID_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    };

    /** One recipient to skip, and why. */
    record Skip(BatchRef batch, String recipientId, SkipReason reason) {}

    /**
     * Skips the recipients that are still pending (any other status is left alone: a claimed or ringing one is the
     * dial gate's and the lifecycle's), and returns the events to append.
     */
    static List<Outbox.Event> skip(Handle handle, List<Skip> skips, Instant now) {
        var moves = new ArrayList<LifecycleEvents.RecipientMove>();
        var finished = new TreeMap<BatchRef, Integer>(InFlight.BATCH_ORDER);
        var sorted = new ArrayList<>(skips);
        // One order for every writer, so that two skips of overlapping recipients wait instead of deadlocking.
        sorted.sort(java.util.Comparator.comparing((Skip s) -> s.batch(), InFlight.BATCH_ORDER)
                .thenComparing(Skip::recipientId, ID_ORDER));
        for (var skip : sorted) {
            int changed = handle.createUpdate("""
                            UPDATE recipients SET status = :cancelled, last_outcome = 'cancelled',
                                skip_reason = :reason, hold_reason = NULL, next_attempt_at = NULL, updated_at = :now
                            WHERE workspace_id = :workspaceId AND batch_id = :batchId AND id = :id
                              AND status = :pending""")
                    .bind("cancelled", RecipientStatus.CANCELLED.wireName())
                    .bind("pending", RecipientStatus.PENDING.wireName())
                    .bind("reason", skip.reason().wireName())
                    .bind("workspaceId", skip.batch().workspaceId().value())
                    .bind("batchId", skip.batch().batchId())
                    .bind("id", skip.recipientId())
                    .bind("now", Rows.at(now))
                    .execute();
            if (changed == 1) {
                moves.add(new LifecycleEvents.RecipientMove(
                        skip.batch(), skip.recipientId(), RecipientStatus.PENDING.wireName(), Optional.empty()));
                finished.merge(skip.batch(), 1, Integer::sum);
            }
        }
        var events = new ArrayList<>(LifecycleEvents.recipientEvents(handle, moves));
        finished.forEach((batch, count) -> InFlight.finishedWithoutAttempt(handle, batch, count, now)
                .ifPresent(previous -> events.addAll(LifecycleEvents.batchEvents(
                        handle,
                        List.of(new LifecycleEvents.BatchMove(batch, "batch.completed", previous.wireName()))))));
        return events;
    }
}
