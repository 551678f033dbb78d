package io.batchcall.dispatch;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Outcome;
import io.batchcall.store.AttemptEnds;
import io.batchcall.store.AttemptEvents;
import io.batchcall.telephony.CallEventSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event sink every provider reports to. Reports queue to one writer per node, which records whatever has
 * arrived together in one transaction (group commit: the workspace, agent and batch rows every call shares are
 * written once per group, not once per call); each caller waits until its own report is stored. A database that
 * refuses is retried (an outcome is never dropped because PostgreSQL blinked), and a call's end wakes the
 * dispatcher, since it frees a slot.
 */
public final class AttemptRecorder implements CallEventSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AttemptRecorder.class);
    /** How long a group is retried against an unreachable database before lease recovery is left to it. */
    private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(10);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /** The most reports one transaction records. */
    private static final int MOST_PER_GROUP = 512;

    private final AttemptEvents events;
    private final CallRegistry registry;
    private final Wakeup wakeup;
    private final MeterRegistry meters;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;

    private record Ringing(AttemptRef attempt) {}

    private record Answered(AttemptRef attempt) {}

    /** A report waiting for the writer, and its caller waiting for it to be recorded. */
    private record Pending(Object report, CompletableFuture<Boolean> recorded) {}

    public AttemptRecorder(AttemptEvents events, CallRegistry registry, Wakeup wakeup, MeterRegistry meters) {
        this.events = events;
        this.registry = registry;
        this.wakeup = wakeup;
        this.meters = meters;
        this.writer = Thread.ofPlatform().name("batchcall-call-events").daemon(true).start(this::write);
    }

    /** The provider took the call; false when the attempt is gone (its batch was deleted). */
    boolean accepted(AttemptRef ref, String providerCallId, Instant dialedAt) {
        return submit(new AttemptEvents.Accepted(ref, providerCallId, dialedAt));
    }

    @Override
    public void ringing(AttemptRef ref) {
        submit(new Ringing(ref));
    }

    @Override
    public void answered(AttemptRef ref) {
        registry.find(ref).ifPresent(call -> call.answered = true);
        submit(new Answered(ref));
    }

    @Override
    public void ended(AttemptRef ref, Outcome outcome, Optional<String> providerStatus, Optional<Integer> sipCode) {
        ended(ref, outcome, providerStatus, sipCode, true);
    }

    /** An end, with whether the call reached the provider (and so has a conversation). */
    void ended(AttemptRef ref, Outcome outcome, Optional<String> providerStatus, Optional<Integer> sipCode,
               boolean reachedProvider) {
        boolean changed = submit(new AttemptEnds.End(ref, outcome, providerStatus, sipCode, reachedProvider));
        registry.remove(ref);
        wakeup.wake();
        if (changed) {
            Counter.builder("batchcall.attempt.outcomes").tag("outcome", outcome.wireName()).register(meters)
                    .increment();
        }
    }

    private boolean submit(Object report) {
        var pending = new Pending(report, new CompletableFuture<>());
        queue.add(pending);
        return pending.recorded().join();
    }

    private void write() {
        var taken = new ArrayList<Pending>(MOST_PER_GROUP);
        while (!Thread.currentThread().isInterrupted()) {
            try {
                taken.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(taken, MOST_PER_GROUP - 1);
            var group = group(taken);
            var result = persistently(() -> events.record(group));
            result.ifPresent(r -> r.completedBatchIds().forEach(batchId ->
                    log.info("Batch completed batchId={}", batchId)));
            var accepted = result.map(AttemptEvents.Result::acceptedAttemptIds).orElse(Set.of());
            var ended = result.map(AttemptEvents.Result::endedAttemptIds).orElse(Set.of());
            for (var pending : taken) {
                pending.recorded().complete(switch (pending.report()) {
                    // Unrecorded (the database stayed away): say "still wanted" and let lease recovery decide.
                    case AttemptEvents.Accepted a -> result.isEmpty() || accepted.contains(a.attempt().attemptId());
                    case AttemptEnds.End e -> ended.contains(e.attempt().attemptId());
                    default -> result.isPresent();
                });
            }
            taken.clear();
        }
    }

    private static AttemptEvents.Group group(List<Pending> taken) {
        var accepted = new ArrayList<AttemptEvents.Accepted>();
        var ringing = new ArrayList<AttemptRef>();
        var answered = new ArrayList<AttemptRef>();
        var ended = new ArrayList<AttemptEnds.End>();
        for (var pending : taken) {
            switch (pending.report()) {
                case AttemptEvents.Accepted a -> accepted.add(a);
                case Ringing r -> ringing.add(r.attempt());
                case Answered a -> answered.add(a.attempt());
                case AttemptEnds.End e -> ended.add(e);
                default -> throw new IllegalStateException("unknown report " + pending.report());
            }
        }
        return new AttemptEvents.Group(accepted, ringing, answered, ended);
    }

    /** Runs a write until it succeeds or the give-up bound passes; empty when it never succeeded. */
    private static <T> Optional<T> persistently(Supplier<T> write) {
        var backoff = FIRST_BACKOFF;
        long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
        while (true) {
            try {
                return Optional.of(write.get());
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    log.error("Call events could not be recorded; lease recovery will resolve their attempts"
                            + " error={}", e.toString());
                    return Optional.empty();
                }
                log.warn("Call events not recorded yet, retrying error={}", e.toString());
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

    /** Stops the writer; reports not yet recorded are left to lease recovery. */
    @Override
    public void close() {
        writer.interrupt();
    }
}
