package io.batchcall.dispatch;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.CallEvent;
import io.batchcall.domain.Outcome;
import io.batchcall.store.AttemptLifecycle;
import io.batchcall.store.DatabaseFailures;
import io.batchcall.telephony.CallEventSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event sink every provider reports to. Reports queue to this node's writers, each of which records whatever
 * has arrived together in one transaction (group commit: the batch rows every call shares are written once per
 * group, not once per call); each caller waits, for a bounded time, until its own report is stored. An attempt's
 * reports always go to the same writer, in the order they came, and writers lock attempts in one order and their
 * batch rows last ({@link AttemptLifecycle}), so several write at once without waiting for each other but at the
 * end. A database that is away is waited for (an outcome is never dropped because PostgreSQL blinked); a
 * report PostgreSQL refuses for good is split out of its group and recorded as an interrupted attempt on its own,
 * so that one tenant's bad row never holds back anyone else's calls. A call's end wakes the dispatcher, since it
 * frees a slot.
 */
public final class AttemptRecorder implements CallEventSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AttemptRecorder.class);
    /** How long a group is retried against an unreachable database before lease recovery is left to it. */
    private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(10);

    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /**
     * How long a reporter (a provider's callback, a dial) waits for its report to be stored. Past it the reporter
     * goes on and the report stays queued: an HTTP callback must not hang for the length of an outage.
     */
    static final Duration REPORT_WAIT = Duration.ofSeconds(30);
    /** A report waiting longer than this means the writer is stuck (or the database away): the node is not ready. */
    static final Duration STUCK_AFTER = Duration.ofSeconds(60);
    /** How often an idle writer shows it is alive. */
    private static final Duration IDLE_BEAT = Duration.ofSeconds(1);
    /** The most reports one transaction records. */
    private static final int MOST_PER_GROUP = 512;
    /**
     * Writers per node. One writer was the node's limit: every call waits for three of its groups in turn, and a
     * group is a dozen statements. Two keep PostgreSQL busy while one of them waits for a commit.
     */
    static final int WRITERS = 2;

    private final Function<List<CallEvent>, AttemptLifecycle.Result> store;
    private final CallRegistry registry;
    private final Wakeup wakeup;
    private final MeterRegistry meters;
    private final List<Writer> writers;
    private final Counter isolated;
    private final Duration reportWait;
    private final Duration stuckAfter;

    /** One writer: its queue, its thread, and the reports it is recording now (for the oldest-waiting gauge). */
    private static final class Writer {
        final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
        volatile List<Pending> inProgress = List.of();
        Thread thread;
    }

    private volatile boolean closed;

    /** A report waiting for the writer, and its caller waiting for it to be recorded. */
    private record Pending(CallEvent report, CompletableFuture<Boolean> recorded, long queuedAtNanos) {
        AttemptRef attempt() {
            return report.attempt();
        }

        /** What the caller is told when its report could not be stored (yet): the safe reading of each kind. */
        boolean unrecordedAnswer() {
            // An unrecorded Accepted is "still wanted": hanging up a live call because the database is slow would
            // be worse; lease recovery resolves it. An unrecorded end changed nothing yet.
            return report instanceof CallEvent.Accepted;
        }
    }

    public AttemptRecorder(AttemptLifecycle lifecycle, CallRegistry registry, Wakeup wakeup, MeterRegistry meters) {
        this(lifecycle::apply, registry, wakeup, meters, REPORT_WAIT, STUCK_AFTER);
    }

    /**
     * With the group write and the bounds given directly: tests use it to inject a failure the database cannot
     * produce, and to see the bounds work without waiting for minutes.
     */
    AttemptRecorder(
            Function<List<CallEvent>, AttemptLifecycle.Result> store,
            CallRegistry registry,
            Wakeup wakeup,
            MeterRegistry meters,
            Duration reportWait,
            Duration stuckAfter) {
        this.store = store;
        this.reportWait = reportWait;
        this.stuckAfter = stuckAfter;
        this.registry = registry;
        this.wakeup = wakeup;
        this.meters = meters;
        this.isolated = Counter.builder("batchcall.call.events.isolated")
                .description("Call reports PostgreSQL refused for good, recorded as interrupted attempts on their own")
                .register(meters);
        Gauge.builder("batchcall.call.events.queue.depth", this, AttemptRecorder::depth)
                .description("Call reports waiting for or being recorded by this node's writer")
                .register(meters);
        Gauge.builder(
                        "batchcall.call.events.oldest.wait.seconds",
                        this,
                        r -> r.oldestWait().toMillis() / 1000.0)
                .description("How long the oldest call report waiting for the writer has waited")
                .register(meters);
        var started = new ArrayList<Writer>();
        for (int i = 0; i < WRITERS; i++) {
            var writer = new Writer();
            writer.thread = Thread.ofPlatform()
                    .name("batchcall-call-events-" + i)
                    .daemon(true)
                    .start(() -> write(writer));
            started.add(writer);
        }
        this.writers = List.copyOf(started);
    }

    /** The writer of an attempt's reports: always the same one, so that they are recorded in the order they came. */
    private Writer writerOf(AttemptRef attempt) {
        int hash = attempt.workspaceId().value().hashCode() * 31
                + attempt.attemptId().hashCode();
        return writers.get(Math.floorMod(hash, writers.size()));
    }

    /** The provider took the call; false when the attempt is gone or already ended (its call must be stopped). */
    boolean accepted(AttemptRef ref, String providerCallId, Instant dialedAt) {
        return submit(new CallEvent.Accepted(ref, providerCallId, dialedAt));
    }

    @Override
    public void report(CallEvent event) {
        switch (event) {
            case CallEvent.Accepted accepted -> submit(accepted);
            case CallEvent.Ringing ringing -> submit(ringing);
            case CallEvent.Answered answered -> {
                registry.find(answered.attempt()).ifPresent(call -> call.answered = true);
                submit(answered);
            }
            case CallEvent.MachineDetected detected -> {
                // The call goes on (the agent may leave a message): it stays registered, its slot stays taken.
                registry.find(detected.attempt()).ifPresent(call -> call.answered = true);
                submit(detected);
            }
            case CallEvent.Ended ended -> {
                boolean changed = submit(ended);
                registry.remove(ended.attempt());
                wakeup.wake();
                if (changed) {
                    Counter.builder("batchcall.attempt.outcomes")
                            .tag("outcome", ended.outcome().wireName())
                            .register(meters)
                            .increment();
                }
            }
        }
    }

    /**
     * Queued like {@link #report}, but the caller goes on at once: the report is recorded by the attempt's writer,
     * before any later report of the same attempt. An end still waits (its slot is freed only once it is stored).
     */
    @Override
    public void reportWithoutWaiting(CallEvent event) {
        if (event instanceof CallEvent.Ended) {
            report(event);
            return;
        }
        if (event instanceof CallEvent.Answered || event instanceof CallEvent.MachineDetected) {
            registry.find(event.attempt()).ifPresent(call -> call.answered = true);
        }
        if (!closed) {
            writerOf(event.attempt()).queue.add(new Pending(event, new CompletableFuture<>(), System.nanoTime()));
        }
    }

    /** An end, with whether the call reached the provider (and so has a conversation). */
    void ended(
            AttemptRef ref,
            Outcome outcome,
            Optional<String> providerStatus,
            Optional<Integer> sipCode,
            boolean reachedProvider) {
        report(new CallEvent.Ended(ref, outcome, providerStatus, sipCode, reachedProvider));
    }

    /** True while the writer runs and no report has waited too long: what /ready reports for call events. */
    public boolean healthy() {
        return writers.stream().allMatch(w -> w.thread.isAlive())
                && oldestWait().compareTo(stuckAfter) < 0;
    }

    /** Reports queued or being recorded. */
    int depth() {
        return writers.stream()
                .mapToInt(w -> w.queue.size() + w.inProgress.size())
                .sum();
    }

    /** How long the oldest report still waiting has waited; zero when none is. */
    Duration oldestWait() {
        long oldest = Long.MAX_VALUE;
        for (var writer : writers) {
            var head = writer.queue.peek();
            if (head != null) {
                oldest = Math.min(oldest, head.queuedAtNanos());
            }
            for (var pending : writer.inProgress) {
                if (!pending.recorded().isDone()) {
                    oldest = Math.min(oldest, pending.queuedAtNanos());
                }
            }
        }
        return oldest == Long.MAX_VALUE ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - oldest);
    }

    private boolean submit(CallEvent report) {
        var pending = new Pending(report, new CompletableFuture<>(), System.nanoTime());
        if (closed) {
            return pending.unrecordedAnswer();
        }
        writerOf(report.attempt()).queue.add(pending);
        try {
            return pending.recorded().get(reportWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn(
                    "Call report not stored in time, going on; it stays queued attemptId={}",
                    pending.attempt().attemptId());
            return pending.unrecordedAnswer();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return pending.unrecordedAnswer();
        } catch (ExecutionException e) {
            return pending.unrecordedAnswer();
        }
    }

    private void write(Writer writer) {
        var taken = new ArrayList<Pending>(MOST_PER_GROUP);
        while (!closed) {
            try {
                var first = writer.queue.poll(IDLE_BEAT.toMillis(), TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                taken.add(first);
                writer.queue.drainTo(taken, MOST_PER_GROUP - 1);
                writer.inProgress = List.copyOf(taken);
                writeGroup(taken);
            } catch (InterruptedException e) {
                taken.forEach(pending -> pending.recorded().complete(pending.unrecordedAnswer()));
                return;
            } catch (Throwable e) {
                // An Error (out of memory included) or a bug must not end a thread that calls report to.
                // What this group held is left to lease recovery, which asks the providers.
                log.error(
                        "Call-event writer failed on a group; its attempts are left to lease recovery reports={}"
                                + " error={}",
                        taken.size(),
                        e.toString());
                taken.forEach(pending -> pending.recorded().complete(pending.unrecordedAnswer()));
            } finally {
                taken.clear();
                writer.inProgress = List.of();
            }
        }
    }

    /** Records one group: all together, or, when PostgreSQL refuses it for good, attempt by attempt. */
    private void writeGroup(List<Pending> taken) throws InterruptedException {
        var written = persistently(taken);
        switch (written) {
            case Written.Stored stored -> complete(taken, stored.result());
            case Written.GaveUp gaveUp -> taken.forEach(p -> p.recorded().complete(p.unrecordedAnswer()));
            case Written.Refused refused -> isolate(taken);
        }
    }

    /** Each attempt's reports in their own transaction, so that the one PostgreSQL refuses is the only one lost. */
    private void isolate(List<Pending> taken) throws InterruptedException {
        var byAttempt = new LinkedHashMap<String, List<Pending>>();
        taken.forEach(p -> byAttempt
                .computeIfAbsent(
                        p.attempt().workspaceId().value() + "/" + p.attempt().attemptId(), key -> new ArrayList<>())
                .add(p));
        for (var reports : byAttempt.values()) {
            switch (persistently(reports)) {
                case Written.Stored stored -> complete(reports, stored.result());
                case Written.GaveUp gaveUp -> reports.forEach(p -> p.recorded().complete(p.unrecordedAnswer()));
                case Written.Refused refused -> endRefused(reports, refused.failure());
            }
        }
    }

    /**
     * An attempt whose report PostgreSQL refuses for good: it ends interrupted on its own (no conversation is
     * written for it, since that is where a refused value usually sits), which frees its slots, and its call, if
     * still live, is stopped so that the limits stay true.
     */
    private void endRefused(List<Pending> reports, Throwable failure) throws InterruptedException {
        var ref = reports.getFirst().attempt();
        var state = DatabaseFailures.sqlState(failure).orElse("none");
        isolated.increment();
        log.error(
                "Call report refused by the database; its attempt ends interrupted attemptId={} sqlState={}",
                ref.attemptId(),
                state);
        var end = new CallEvent.Ended(
                ref,
                new Outcome.Interrupted(
                        "its call report could not be stored" + " (PostgreSQL refused it, SQL state " + state + ")"),
                Optional.empty(),
                Optional.empty(),
                false);
        var fallback = new Pending(end, new CompletableFuture<>(), System.nanoTime());
        switch (persistently(List.of(fallback))) {
            case Written.Stored stored -> {
                boolean ended = stored.result().endedAttemptIds().contains(ref.attemptId());
                reports.forEach(p -> p.recorded().complete(p.report() instanceof CallEvent.Ended && ended));
            }
            case Written.GaveUp gaveUp -> reports.forEach(p -> p.recorded().complete(p.unrecordedAnswer()));
            case Written.Refused refused -> {
                log.error(
                        "Even the interrupted end of an attempt was refused; lease recovery is left to it"
                                + " attemptId={} sqlState={}",
                        ref.attemptId(),
                        DatabaseFailures.sqlState(refused.failure()).orElse("none"));
                reports.forEach(p -> p.recorded().complete(false));
            }
        }
        registry.find(ref).ifPresent(call -> call.stop(true));
    }

    private static void complete(List<Pending> taken, AttemptLifecycle.Result result) {
        result.completedBatchIds().forEach(batchId -> log.info("Batch completed batchId={}", batchId));
        var accepted = result.acceptedAttemptIds();
        var ended = result.endedAttemptIds();
        for (var pending : taken) {
            pending.recorded()
                    .complete(
                            switch (pending.report()) {
                                case CallEvent.Accepted a ->
                                    accepted.contains(a.attempt().attemptId());
                                case CallEvent.Ended e ->
                                    ended.contains(e.attempt().attemptId());
                                case CallEvent.Ringing r -> true;
                                case CallEvent.Answered a -> true;
                                case CallEvent.MachineDetected m -> true;
                            });
        }
    }

    /** How a write went: stored, refused for good (the data), or given up after a long outage. */
    private sealed interface Written {
        record Stored(AttemptLifecycle.Result result) implements Written {}

        record Refused(Throwable failure) implements Written {}

        record GaveUp() implements Written {}
    }

    /** Writes reports, waiting out a database that is away, until it succeeds, is refused, or the bound passes. */
    private Written persistently(List<Pending> reports) throws InterruptedException {
        var group = reports.stream().map(Pending::report).toList();
        var backoff = FIRST_BACKOFF;
        long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
        while (true) {
            try {
                return new Written.Stored(store.apply(group));
            } catch (RuntimeException e) {
                if (!DatabaseFailures.isTransient(e)) {
                    return new Written.Refused(e);
                }
                if (System.nanoTime() > deadline || closed) {
                    log.error(
                            "Call events could not be recorded; lease recovery will resolve their attempts"
                                    + " sqlState={}",
                            DatabaseFailures.sqlState(e).orElse("none"));
                    return new Written.GaveUp();
                }
                log.warn(
                        "Call events not recorded yet, retrying sqlState={} error={}",
                        DatabaseFailures.sqlState(e).orElse("none"),
                        e.getClass().getSimpleName());
                Thread.sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /** Stops the writer; reports not yet recorded are left to lease recovery. */
    @Override
    public void close() {
        closed = true;
        for (var writer : writers) {
            writer.thread.interrupt();
            Pending pending;
            while ((pending = writer.queue.poll()) != null) {
                pending.recorded().complete(pending.unrecordedAnswer());
            }
        }
    }
}
