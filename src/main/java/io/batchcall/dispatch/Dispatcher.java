package io.batchcall.dispatch;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.Claim;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.ClaimStore;
import io.batchcall.store.DatabaseFailures;
import io.batchcall.store.DialChecks;
import io.batchcall.store.PhoneNumberStore;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.TelephonyProvider;
import io.batchcall.telephony.Timers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loop per node: claim what the limits allow ({@link #dispatchOnce}), schedule each claim's dial at its paced
 * instant ({@link CallPlacement} places it, on a virtual thread), and wait for a wake-up (a call ended, work
 * arrived, another node freed capacity) or the idle poll. A failing pass is logged and retried after a back-off: a
 * database outage never stops the loop for good.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    /** The longest a due batch waits for a pass when nothing wakes the loop: scheduled starts are this precise. */
    private static final Duration IDLE_POLL = Duration.ofMillis(250);

    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /** How long a stopping node waits for its calls in flight to end. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);
    /** A loop that has not finished a pass for this long is stuck (a pass waits at most the back-off). */
    static final Duration STUCK_AFTER = Duration.ofSeconds(60);

    private final ClaimStore claims;
    private final AttemptRecorder recorder;
    private final CallRegistry registry;
    private final Map<Provider, TelephonyProvider> providers;
    private final Function<PhoneNumber, Map<String, String>> credentials;
    private final Timers timers;
    private final Clock clock;
    private final Wakeup wakeup;
    private final Timer claimDuration;
    private final Counter claimFailures;
    private final ClaimBackoff backoff;
    private final CallPlacement placement;
    private volatile boolean running;
    private volatile long lastPassAt = System.nanoTime();
    private Thread loop;

    public Dispatcher(
            ClaimStore claims,
            AttemptRecorder recorder,
            CallRegistry registry,
            Map<Provider, TelephonyProvider> providers,
            Function<PhoneNumber, Map<String, String>> credentials,
            Timers timers,
            Clock clock,
            Wakeup wakeup,
            MeterRegistry meters) {
        this(
                claims,
                claims.checks()::dialGates,
                recorder,
                registry,
                providers,
                credentials,
                timers,
                clock,
                wakeup,
                meters);
    }

    /** With the dial gate read by {@code gateRead}: a test's gate fails as a database away makes it fail. */
    Dispatcher(
            ClaimStore claims,
            Function<List<DialChecks.GateQuestion>, Map<AttemptRef, DialChecks.DialGate>> gateRead,
            AttemptRecorder recorder,
            CallRegistry registry,
            Map<Provider, TelephonyProvider> providers,
            Function<PhoneNumber, Map<String, String>> credentials,
            Timers timers,
            Clock clock,
            Wakeup wakeup,
            MeterRegistry meters) {
        this.claims = claims;
        this.placement =
                new CallPlacement(claims, new DialGates(gateRead), recorder, registry, timers, clock, wakeup, meters);
        this.recorder = recorder;
        this.registry = registry;
        this.providers = Map.copyOf(providers);
        this.credentials = credentials;
        this.timers = timers;
        this.clock = clock;
        this.wakeup = wakeup;
        // What bounds a node's dispatch rate: one workspace's claims run one after another, so its rate is at most
        // recipients per claim over this (the benchmark reports it per recipient).
        this.claimDuration = Timer.builder("batchcall.dispatch.claim.duration")
                .description("A claim in one workspace, from its transaction's start to its commit")
                .register(meters);
        this.claimFailures = Counter.builder("batchcall.dispatch.claim.failures")
                .description("Claims in one workspace that failed for a reason that repeats; the workspace backs off")
                .register(meters);
        this.backoff = new ClaimBackoff(clock);
    }

    /**
     * One pass: claims in every workspace with due batches and schedules the dials. Returns how many. A workspace
     * whose claim fails for a reason that repeats is skipped until its back-off is over, and the pass goes on with
     * the others; a failure that passes (the database away) fails the pass, which the loop retries.
     */
    public int dispatchOnce() {
        int claimed = 0;
        for (var workspace : claims.workspacesWithDueBatches()) {
            if (!backoff.due(workspace)) {
                continue;
            }
            try {
                claimed += claimIn(workspace);
                backoff.succeeded(workspace);
            } catch (RuntimeException e) {
                if (DatabaseFailures.isTransient(e)) {
                    throw e;
                }
                claimFailures.increment();
                var failure = backoff.failed(workspace);
                log.error(
                        "Claim failed in one workspace; it is tried again after the others workspaceId={}"
                                + " failuresInARow={} retryInMs={} error={} sqlState={}",
                        workspace,
                        failure.inARow(),
                        failure.sitsOut().toMillis(),
                        e.getClass().getSimpleName(),
                        DatabaseFailures.sqlState(e).orElse("none"));
            }
        }
        lastPassAt = System.nanoTime();
        return claimed;
    }

    /** Claims in one workspace and schedules the dials; returns how many were claimed. */
    private int claimIn(WorkspaceId workspace) {
        // Each number's credentials are opened once per pass, before its recipients are claimed: a number whose
        // credentials cannot be opened fails its batch instead of leaving claimed attempts behind.
        var opened = new HashMap<String, Map<String, String>>();
        long claimStarted = System.nanoTime();
        var result = claims.claim(workspace, number -> unusable(number, opened));
        claimDuration.record(System.nanoTime() - claimStarted, TimeUnit.NANOSECONDS);
        result.started().forEach(batchId -> log.info("Batch started workspaceId={} batchId={}", workspace, batchId));
        result.failed().forEach(failed -> {
            log.info(
                    "Batch failed workspaceId={} batchId={} reason={}",
                    failed.workspace(),
                    failed.batchId(),
                    failed.reason());
            registry.changed(CallRegistry.batchKey(failed.workspace().value(), failed.batchId()));
        });
        for (var claim : result.claims()) {
            try {
                schedule(claim, opened, result.claimedAt(), result.leaseUntil());
            } catch (RuntimeException e) {
                // Claimed, but it cannot be placed: end it now rather than leave a slot taken until recovery.
                log.error(
                        "Claimed call could not be scheduled attemptId={} error={}",
                        claim.attempt().attemptId(),
                        e.getClass().getSimpleName());
                recorder.ended(
                        claim.attempt(),
                        new Outcome.Interrupted("the call could not be scheduled: "
                                + e.getClass().getSimpleName()),
                        Optional.empty(),
                        Optional.empty(),
                        false);
            }
        }
        return result.claims().size();
    }

    /** Why this node cannot dial from a number, or empty when it can (its credentials are then in {@code opened}). */
    private Optional<String> unusable(PhoneNumber number, Map<String, Map<String, String>> opened) {
        if (!providers.containsKey(number.provider())) {
            return Optional.of("provider " + number.provider().wireName() + " is not available on this server version");
        }
        try {
            opened.computeIfAbsent(number.id(), id -> credentials.apply(number));
            return Optional.empty();
        } catch (PhoneNumberStore.UnreadableCredentials e) {
            return Optional.of("the credentials of phone number " + number.id() + " cannot be decrypted with this"
                    + " server's secret key (was BATCHCALL_SECRET_KEY or the data directory's secret.key changed?);"
                    + " send the number's secrets again with PATCH /v1/convai/phone-numbers/" + number.id());
        }
    }

    private void schedule(Claim claim, Map<String, Map<String, String>> opened, Instant claimedAt, Instant leaseUntil) {
        var provider = providers.get(claim.from().provider());
        var request = new CallRequest(
                claim.attempt(),
                claim.batchId(),
                claim.recipientId(),
                claim.to(),
                claim.from(),
                opened.getOrDefault(claim.from().id(), Map.of()),
                claim.agent(),
                claim.callConfig(),
                claim.conversationId(),
                claim.clientDataJson(),
                () -> placement.stillToDial(claim));
        var call = new LiveCall(claim, request, provider, claimedAt, leaseUntil);
        registry.add(call);
        var wait = Duration.between(clock.instant(), claim.dialAt());
        timers.schedule(wait.isNegative() ? Duration.ZERO : wait, () -> placement.placeSafely(call));
    }

    /**
     * A batch was cancelled (or deleted): its claims not yet dialed will not be, its ringing calls are cancelled,
     * and when deleted, its answered calls are hung up too.
     */
    public void batchStopped(String workspaceId, String batchId, boolean deleted) {
        var key = CallRegistry.batchKey(workspaceId, batchId);
        registry.markCancelled(key);
        registry.inBatch(key).forEach(call -> call.stop(deleted));
    }

    /**
     * One recipient was cancelled: its call, if ringing, is cancelled at the provider (one whose dial request is
     * still on its way, as soon as the provider takes it); an answered one is left to finish. A claim of it not yet
     * dialed is stopped by the dial gate, which sees the recipient cancelled.
     */
    public void recipientStopped(String workspaceId, String batchId, String recipientId) {
        registry.inBatch(CallRegistry.batchKey(workspaceId, batchId)).stream()
                .filter(call -> call.claim.recipientId().equals(recipientId))
                .forEach(call -> {
                    call.recipientCancelled = true;
                    call.stop(false);
                });
    }

    /**
     * The notification listener was away and is back: whatever it may have missed is read from the database, so
     * that a batch cancelled or deleted, or a ringing recipient cancelled, meanwhile still stops this node's calls.
     */
    public void resynchronise() {
        var live = registry.all();
        if (live.isEmpty()) {
            return;
        }
        var batches = live.stream()
                .map(call -> new BatchRef(call.claim.attempt().workspaceId(), call.claim.batchId()))
                .distinct()
                .toList();
        for (var stopped : claims.checks().stoppedBatches(batches)) {
            batchStopped(stopped.workspace().value(), stopped.batchId(), stopped.deleted());
        }
        var attempts = live.stream().map(call -> call.claim.attempt()).toList();
        for (var ref : claims.checks().cancelRequested(attempts)) {
            registry.find(ref)
                    .ifPresent(call -> recipientStopped(
                            ref.workspaceId().value(), call.claim.batchId(), call.claim.recipientId()));
        }
    }

    /** True while the loop runs and has finished a pass recently: what /ready reports for dispatching. */
    public boolean healthy() {
        return loop != null && loop.isAlive() && running && System.nanoTime() - lastPassAt < STUCK_AFTER.toNanos();
    }

    public void wake() {
        wakeup.wake();
    }

    public Dispatcher start() {
        running = true;
        loop = Thread.ofPlatform().name("batchcall-dispatcher").start(this::run);
        return this;
    }

    private void run() {
        var backoff = IDLE_POLL;
        while (running) {
            try {
                int claimed = dispatchOnce();
                backoff = IDLE_POLL;
                if (claimed == 0 && !wakeup.awaitQuietly(IDLE_POLL)) {
                    return;
                }
            } catch (Throwable e) {
                // An Error included: the loop is the node's only dispatcher and must outlive one bad pass.
                lastPassAt = System.nanoTime();
                log.warn(
                        "Dispatch pass failed, retrying after backoffMs={} error={} sqlState={}",
                        backoff.toMillis(),
                        e.getClass().getSimpleName(),
                        DatabaseFailures.sqlState(e).orElse("none"));
                if (!wakeup.awaitQuietly(backoff)) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /**
     * Stops claiming, then waits (bounded) for calls in flight on this node to end. Calls still going on after
     * that keep their leases until they expire; another node then resolves them.
     */
    @Override
    public void close() {
        running = false;
        if (loop == null) {
            return;
        }
        wakeup.wake();
        loop.interrupt();
        long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
        while (registry.size() > 0 && System.nanoTime() < deadline) {
            wakeup.awaitQuietly(Duration.ofMillis(100));
        }
        if (registry.size() > 0) {
            log.warn(
                    "Stopping with calls in flight; their leases will expire and another node resolves them"
                            + " calls={}",
                    registry.size());
        }
    }
}
