package io.batchcall.dispatch;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.BatchRef;
import io.batchcall.domain.Claim;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.ClaimGiveBack;
import io.batchcall.store.ClaimStore;
import io.batchcall.store.DatabaseFailures;
import io.batchcall.store.DialChecks;
import io.batchcall.store.PhoneNumberStore;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.PlaceResult;
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
 * One loop per node: claim what the limits allow ({@link #dispatchOnce}), dial each claim at its paced instant on
 * a virtual thread, and wait for a wake-up (a call ended, work arrived, another node freed capacity) or the idle
 * poll. A failing pass is logged and retried after a back-off: a database outage never stops the loop for good.
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
    /** How often a dial waiting for its lease to be confirmed looks again. */
    private static final Duration LEASE_RECHECK = Duration.ofSeconds(1);
    /**
     * How many failed reads of the dial gate in a row, a {@link #LEASE_RECHECK} apart, a dial waits through before its
     * attempt ends interrupted: a database failover takes seconds to a minute. Only reads with the lease confirmed
     * count: while the database is away the lease check holds the dial back before the gate is asked.
     */
    static final int GATE_FAILURES_WAITED = 60;

    private final ClaimStore claims;
    private final DialGates gates;
    private final AttemptRecorder recorder;
    private final CallRegistry registry;
    private final Map<Provider, TelephonyProvider> providers;
    private final Function<PhoneNumber, Map<String, String>> credentials;
    private final Timers timers;
    private final Clock clock;
    private final Wakeup wakeup;
    private final Counter dials;
    private final Timer lag;
    private final Timer claimDuration;
    private final Counter claimFailures;
    private final ClaimBackoff backoff;
    private final Reconciliation reconciliation;
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
        this.reconciliation = new Reconciliation(recorder, registry);
        this.claims = claims;
        this.gates = new DialGates(gateRead);
        this.recorder = recorder;
        this.registry = registry;
        this.providers = Map.copyOf(providers);
        this.credentials = credentials;
        this.timers = timers;
        this.clock = clock;
        this.wakeup = wakeup;
        this.dials = Counter.builder("batchcall.dials")
                .description("Dial requests sent to providers")
                .register(meters);
        this.lag = Timer.builder("batchcall.dispatch.lag")
                .description("From a recipient being due to its dial")
                .register(meters);
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
                () -> stillToDial(claim));
        var call = new LiveCall(claim, request, provider, claimedAt, leaseUntil);
        registry.add(call);
        var wait = Duration.between(clock.instant(), claim.dialAt());
        timers.schedule(wait.isNegative() ? Duration.ZERO : wait, () -> placeSafely(call));
    }

    /** Places a call; whatever goes wrong on the way ends its attempt with a reason instead of leaving it stuck. */
    private void placeSafely(LiveCall call) {
        try {
            place(call);
        } catch (Throwable e) {
            var ref = call.claim.attempt();
            log.error(
                    "Placing a call failed; its attempt ends interrupted attemptId={} error={}",
                    ref.attemptId(),
                    e.getClass().getSimpleName());
            call.stop(true);
            recorder.ended(
                    ref,
                    new Outcome.Interrupted(
                            "placing the call failed: " + e.getClass().getSimpleName()),
                    Optional.empty(),
                    Optional.empty(),
                    call.providerCallId != null);
        }
    }

    /**
     * Sends the dial request, unless the batch or recipient was cancelled or paused while the claim waited for its
     * slot, or this node can no longer be sure it holds the attempt's lease (another node may have taken it over
     * meanwhile).
     */
    private void place(LiveCall call) {
        var ref = call.claim.attempt();
        if (call.leaseLost || registry.find(ref).isEmpty()) {
            // Another node holds or ended the attempt: it is theirs to resolve, and it was never dialed here.
            return;
        }
        var now = clock.instant();
        if (!now.isBefore(call.leaseHeldUntil.minus(call.leaseMargin))) {
            // This node cannot be sure it still holds the lease (heartbeats failed: the database is away). Dialing
            // now could call someone whose attempt another node already took over; wait for the next heartbeat to
            // say whose it is.
            log.warn("Lease not confirmed, the dial waits attemptId={}", ref.attemptId());
            timers.schedule(LEASE_RECHECK, () -> placeSafely(call));
            return;
        }
        if (registry.isCancelled(call.batchKey())) {
            recorder.ended(ref, new Outcome.Cancelled(), Optional.empty(), Optional.empty(), false);
            return;
        }
        // The dial's instant is read before the database is asked: a pause that returned before this instant is
        // seen by the gate, so no attempt is ever dialed after a pause returned (dialed_at is this instant).
        var dialedAt = clock.instant();
        DialChecks.DialGate gate;
        try {
            gate = gates.ask(ref, call.claim.batchId());
        } catch (RuntimeException e) {
            // Nothing was sent: a dial whose gate cannot be read waits and asks again, instead of ending as
            // interrupted a call that was never made (and, without a retry policy, never would be).
            if (!DatabaseFailures.isTransient(e) || ++call.gateFailures > GATE_FAILURES_WAITED) {
                throw e;
            }
            if (call.gateFailures == 1) {
                log.warn(
                        "The dial gate could not be read; the dial waits attemptId={} sqlState={}",
                        ref.attemptId(),
                        DatabaseFailures.sqlState(e).orElse("none"));
            }
            timers.schedule(LEASE_RECHECK, () -> placeSafely(call));
            return;
        }
        call.gateFailures = 0;
        switch (gate) {
            case DialChecks.DialGate.Dial dial -> {}
            case DialChecks.DialGate.Paused paused -> {
                // Paused between claim and dial: the claim is given back, and its recipient waits for the resume.
                if (claims.giveBack().unclaim(ref) instanceof ClaimGiveBack.Given.BatchStopped stopped) {
                    endUndialed(ref, stopped.stopped());
                    return;
                }
                registry.remove(ref);
                wakeup.wake();
                return;
            }
            case DialChecks.DialGate stopped -> {
                endUndialed(ref, stopped);
                return;
            }
        }
        call.dialStartedAt = dialedAt;
        PlaceResult result;
        try {
            result = call.provider.place(call.request);
        } catch (RuntimeException e) {
            // Whether the request left us is unknown: ask before anything else happens, never re-dial.
            result = new PlaceResult.Unknown(e.getClass().getSimpleName());
        }
        handle(call, result, dialedAt);
    }

    /**
     * Asked by a provider that held a dial back (for its account's request slot): still this node's, not cancelled,
     * and the dial gate still says dial. A gate that cannot be read says no: the provider sends nothing, and the
     * placement, run again, waits for the database as a first dial does.
     */
    private boolean stillToDial(Claim claim) {
        var ref = claim.attempt();
        var call = registry.find(ref);
        if (call.isEmpty()
                || call.get().leaseLost
                || call.get().recipientCancelled
                || registry.isCancelled(call.get().batchKey())) {
            return false;
        }
        try {
            return gates.ask(ref, claim.batchId()) instanceof DialChecks.DialGate.Dial;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Ends a claim never dialed as the dial gate's answer says: its batch was cancelled, deleted or failed. */
    private void endUndialed(AttemptRef ref, DialChecks.DialGate gate) {
        var outcome = gate instanceof DialChecks.DialGate.BatchFailed failed
                ? new Outcome.Failed(failed.reason(), false)
                : new Outcome.Cancelled();
        recorder.ended(ref, outcome, Optional.empty(), Optional.empty(), false);
    }

    private void handle(LiveCall call, PlaceResult result, java.time.Instant dialedAt) {
        var ref = call.claim.attempt();
        if (!(result instanceof PlaceResult.Deferred || result instanceof PlaceResult.Held)) {
            // Counted once the request has left: a deferred or held placement sent nothing (an Exotel dial that
            // waited for its account's slot and was withdrawn, a WhatsApp user's permission), and its dial, placed
            // again later, is counted then.
            dials.increment();
            // In milliseconds: Timer.record(Duration) takes nanoseconds, which overflow past 292 years, and a batch
            // stored with a schedule in year 1 (as PATCH once allowed) then failed every dial in this line.
            lag.record(Duration.between(call.claim.due(), dialedAt).abs().toMillis(), TimeUnit.MILLISECONDS);
        }
        switch (result) {
            case PlaceResult.Accepted accepted -> track(call, accepted.providerCallId(), dialedAt);
            case PlaceResult.Ended ended ->
                recorder.ended(ref, ended.outcome(), ended.providerStatus(), ended.sipCode(), true);
            case PlaceResult.Unusable unusable -> {
                // The batch fails first: ending its last attempt first would complete it instead.
                if (claims.failBatch(ref.workspaceId(), call.claim.batchId(), unusable.reason())) {
                    log.info(
                            "Batch failed workspaceId={} batchId={} reason={}",
                            ref.workspaceId(),
                            call.claim.batchId(),
                            unusable.reason());
                }
                recorder.ended(
                        ref, new Outcome.Failed(unusable.reason(), false), Optional.empty(), Optional.empty(), false);
            }
            case PlaceResult.Deferred deferred -> {
                // Not dialing yet: the stale-call sweep must not count its ringing time from this try.
                call.dialStartedAt = null;
                log.debug(
                        "Dial deferred attemptId={} waitMillis={} reason={}",
                        ref.attemptId(),
                        deferred.retryIn().toMillis(),
                        deferred.reason());
                timers.schedule(deferred.retryIn(), () -> placeSafely(call));
            }
            case PlaceResult.Held held -> {
                // Not dialed, and the recipient must wait (a WhatsApp user's permission, say): the claim is given
                // back so that the wait holds no slot, and the recipient is claimed again at its time or when woken.
                log.debug(
                        "Dial held attemptId={} reason={} until={} detail={}",
                        ref.attemptId(),
                        held.reason().wireName(),
                        held.until(),
                        held.detail());
                switch (claims.giveBack().holdClaim(ref, new ClaimGiveBack.Hold(held.reason(), held.until()))) {
                    case ClaimGiveBack.Given.Back back -> call.provider.held(call.request);
                    case ClaimGiveBack.Given.NotOpen notOpen ->
                        // Ended, deleted or taken over meanwhile: whoever did that decides what becomes of it.
                        log.debug("Held claim was no longer this node's to give back attemptId={}", ref.attemptId());
                    case ClaimGiveBack.Given.BatchStopped stopped -> {
                        endUndialed(ref, stopped.stopped());
                        return;
                    }
                }
                registry.remove(ref);
                wakeup.wake();
            }
            case PlaceResult.Unknown unknown ->
                reconciliation.resolve(
                        call,
                        new Reconciliation.WhenUnknown.EndInterrupted(
                                "the dial request's fate is unknown (" + unknown.reason() + ") and", false));
        }
    }

    /** The provider has the call: record it, and stop it at once if its batch went away meanwhile. */
    private void track(LiveCall call, String providerCallId, java.time.Instant dialedAt) {
        call.providerCallId = providerCallId;
        boolean stillWanted = recorder.accepted(call.claim.attempt(), providerCallId, dialedAt);
        registry.changed(call.batchKey());
        if (!stillWanted || registry.isCancelled(call.batchKey()) || call.recipientCancelled) {
            // Not wanted: the attempt was ended meanwhile (by another node's recovery, say) or deleted; the call
            // must not go on without an attempt that counts it against the limits.
            call.stop(!stillWanted);
        }
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
