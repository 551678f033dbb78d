package io.batchcall.dispatch;

import io.batchcall.domain.AttemptRef;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The calls this node is responsible for, and the batches it has been told were cancelled (so that a call
 * claimed before the cancel is not dialed after it).
 */
public final class CallRegistry {
    /** How long a cancelled batch is remembered: longer than any claim waits for its paced dial slot. */
    private static final Duration CANCELLED_MEMORY = Duration.ofMinutes(10);

    private final Map<String, LiveCall> calls = new ConcurrentHashMap<>();
    private final Map<String, Instant> cancelledBatches = new ConcurrentHashMap<>();
    /** Who waits for the next change to a batch's calls here (a single outbound call's request), by batch key. */
    private final Map<String, CompletableFuture<Void>> watchers = new ConcurrentHashMap<>();

    private final Clock clock;

    public CallRegistry(Clock clock) {
        this.clock = clock;
    }

    static String batchKey(String workspaceId, String batchId) {
        return workspaceId + ":" + batchId;
    }

    void add(LiveCall call) {
        calls.put(call.claim.attempt().attemptId(), call);
    }

    Optional<LiveCall> find(AttemptRef ref) {
        return Optional.ofNullable(calls.get(ref.attemptId()));
    }

    void remove(AttemptRef ref) {
        var removed = calls.remove(ref.attemptId());
        if (removed != null) {
            // Removed once its end is recorded (or left to another node): a waiter reads the outcome now.
            changed(removed.batchKey());
        }
    }

    /**
     * Completed at the next change this node sees to the batch's calls: an attempt accepted by its provider, an
     * attempt ended, the batch failed by a claim. Registered before the waiter reads the database, so that a change
     * between its read and its wait is not missed; a change made by another node is not seen here (the waiter
     * reads again on its own after a while).
     */
    public CompletableFuture<Void> nextChange(String workspaceId, String batchId) {
        return watchers.computeIfAbsent(batchKey(workspaceId, batchId), key -> new CompletableFuture<>());
    }

    /** The waiter gave up: nothing is kept for it. */
    public void stopWatching(String workspaceId, String batchId) {
        watchers.remove(batchKey(workspaceId, batchId));
    }

    void changed(String batchKey) {
        var watcher = watchers.remove(batchKey);
        if (watcher != null) {
            watcher.complete(null);
        }
    }

    List<LiveCall> inBatch(String batchKey) {
        return calls.values().stream()
                .filter(call -> call.batchKey().equals(batchKey))
                .toList();
    }

    List<LiveCall> all() {
        return List.copyOf(calls.values());
    }

    List<AttemptRef> attempts() {
        return calls.values().stream().map(call -> call.claim.attempt()).toList();
    }

    void markCancelled(String batchKey) {
        var now = clock.instant();
        cancelledBatches.put(batchKey, now);
        cancelledBatches.values().removeIf(at -> at.isBefore(now.minus(CANCELLED_MEMORY)));
    }

    boolean isCancelled(String batchKey) {
        return cancelledBatches.containsKey(batchKey);
    }

    public int size() {
        return calls.size();
    }

    public Map<String, Long> countByWorkspace() {
        return calls.values().stream()
                .collect(Collectors.groupingBy(
                        call -> call.claim.attempt().workspaceId().value(), Collectors.counting()));
    }
}
