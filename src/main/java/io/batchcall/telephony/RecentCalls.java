package io.batchcall.telephony;

import io.batchcall.domain.AttemptRef;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;

/**
 * The provider call ids this node's dial requests got back, for as long as a look-up may reach back to them.
 * Another attempt's call id reaches the database only when its accepted event is written, a moment (or a database
 * outage) later; a look-up on this node meanwhile must still know the call is taken ({@link OwnedCalls} answers
 * for what is recorded).
 */
public final class RecentCalls {
    private record Placed(String callId, AttemptRef attempt, Instant at) {}

    private final Duration kept;
    private final Map<String, Placed> byCallId = new ConcurrentHashMap<>();
    /** The same entries, oldest first, so that forgetting them costs only the ones forgotten. */
    private final Queue<Placed> inOrder = new ConcurrentLinkedQueue<>();

    /** Remembers each call id this long after its request went out. */
    public RecentCalls(Duration kept) {
        this.kept = kept;
    }

    public void remember(String callId, AttemptRef attempt, Instant at) {
        var entry = new Placed(callId, attempt, at);
        byCallId.put(callId, entry);
        inOrder.add(entry);
        // Forgotten once no look-up can reach back to it.
        var horizon = at.minus(kept);
        for (var oldest = inOrder.peek(); oldest != null && oldest.at().isBefore(horizon); oldest = inOrder.peek()) {
            if (inOrder.remove(oldest)) {
                byCallId.remove(oldest.callId(), oldest);
            }
        }
    }

    /** Of {@code callIds}, those this node placed for an attempt other than {@code attempt}. */
    public Set<String> placedForOthers(AttemptRef attempt, Collection<String> callIds) {
        return callIds.stream()
                .filter(id -> {
                    var placed = byCallId.get(id);
                    return placed != null && !placed.attempt().equals(attempt);
                })
                .collect(Collectors.toSet());
    }
}
