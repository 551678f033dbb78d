package io.batchcall.dispatch;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Outcome;
import io.batchcall.store.AttemptEnds;
import io.batchcall.store.AttemptStore;
import io.batchcall.telephony.CallEventSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event sink every provider reports to. Writes each event through the {@link AttemptStore}, retrying while
 * the database is unreachable (an outcome is never dropped because PostgreSQL blinked), and wakes the
 * dispatcher when a call ends and frees its slot.
 */
public final class AttemptRecorder implements CallEventSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AttemptRecorder.class);
    /** How long an event is retried against an unreachable database before lease recovery is left to it. */
    private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(10);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    /** The most ends one transaction records. */
    private static final int MOST_PER_GROUP = 256;

    private final AttemptStore attempts;
    private final AttemptEnds ends;
    private final CallRegistry registry;
    private final Wakeup wakeup;
    private final MeterRegistry meters;
    private final LinkedBlockingQueue<PendingEnd> queue = new LinkedBlockingQueue<>();
    private final Thread writer;

    /** An end waiting for the writer, and the caller waiting for it to be recorded. */
    private record PendingEnd(AttemptEnds.End end, CompletableFuture<Boolean> recorded) {}

    public AttemptRecorder(AttemptStore attempts, AttemptEnds ends, CallRegistry registry, Wakeup wakeup,
                           MeterRegistry meters) {
        this.attempts = attempts;
        this.ends = ends;
        this.registry = registry;
        this.wakeup = wakeup;
        this.meters = meters;
        this.writer = Thread.ofPlatform().name("batchcall-ends").daemon(true).start(this::writeEnds);
    }

    /** The provider took the call; false when the attempt is gone (its batch was deleted). */
    boolean accepted(AttemptRef ref, String providerCallId, Instant dialedAt) {
        return persistently("accepted", ref, () -> attempts.accepted(ref, providerCallId, dialedAt)).orElse(true);
    }

    @Override
    public void ringing(AttemptRef ref) {
        persistently("ringing", ref, () -> {
            attempts.ringing(ref);
            return true;
        });
    }

    @Override
    public void answered(AttemptRef ref) {
        registry.find(ref).ifPresent(call -> call.answered = true);
        persistently("answered", ref, () -> {
            attempts.answered(ref);
            return true;
        });
    }

    @Override
    public void ended(AttemptRef ref, Outcome outcome, Optional<String> providerStatus, Optional<Integer> sipCode) {
        ended(ref, outcome, providerStatus, sipCode, true);
    }

    /**
     * An end, with whether the call reached the provider (and so has a conversation). Calls that end together are
     * recorded together, in one transaction, by the writer thread (group commit: the workspace, agent and batch
     * rows every call shares are written once per group); the caller waits until its end is recorded.
     */
    void ended(AttemptRef ref, Outcome outcome, Optional<String> providerStatus, Optional<Integer> sipCode,
               boolean reachedProvider) {
        var pending = new PendingEnd(new AttemptEnds.End(ref, outcome, providerStatus, sipCode, reachedProvider),
                new CompletableFuture<>());
        queue.add(pending);
        boolean changed = pending.recorded().join();
        registry.remove(ref);
        wakeup.wake();
        if (changed) {
            Counter.builder("batchcall.attempt.outcomes").tag("outcome", outcome.wireName()).register(meters)
                    .increment();
        }
    }

    private void writeEnds() {
        var group = new ArrayList<PendingEnd>(MOST_PER_GROUP);
        while (!Thread.currentThread().isInterrupted()) {
            try {
                group.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(group, MOST_PER_GROUP - 1);
            var result = persistently("ended", group.getFirst().end().attempt(),
                    () -> ends.endAll(group.stream().map(PendingEnd::end).toList()));
            var endedIds = result.map(AttemptEnds.Result::endedAttemptIds).orElse(java.util.Set.of());
            result.ifPresent(r -> r.completedBatchIds().forEach(batchId ->
                    log.info("Batch completed batchId={}", batchId)));
            group.forEach(p -> p.recorded().complete(endedIds.contains(p.end().attempt().attemptId())));
            group.clear();
        }
    }

    /** Stops the writer; ends not yet recorded are left to lease recovery. */
    @Override
    public void close() {
        writer.interrupt();
    }

    /** Runs a write until it succeeds or the give-up bound passes; empty when it never succeeded. */
    private <T> Optional<T> persistently(String event, AttemptRef ref, Supplier<T> write) {
        var backoff = FIRST_BACKOFF;
        long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
        while (true) {
            try {
                return Optional.of(write.get());
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    log.error("Attempt event could not be recorded; lease recovery will resolve the attempt"
                            + " event={} attemptId={} error={}", event, ref.attemptId(), e.toString());
                    return Optional.empty();
                }
                log.warn("Attempt event not recorded yet, retrying event={} attemptId={} error={}", event,
                        ref.attemptId(), e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }
}
