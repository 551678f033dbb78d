package io.batchcall.dispatch;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Claim;
import io.batchcall.domain.Outcome;
import io.batchcall.store.ClaimGiveBack;
import io.batchcall.store.ClaimStore;
import io.batchcall.store.DatabaseFailures;
import io.batchcall.store.DialChecks;
import io.batchcall.telephony.PlaceResult;
import io.batchcall.telephony.Timers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Placing one claimed call, at its paced instant: the checks right before its dial (the lease still this node's, the
 * batch not cancelled, the dial gate's answer), the dial request, and what its result means for the attempt (tracked,
 * ended, its batch failed, deferred, held back, or unknown and reconciled). {@link Dispatcher} claims and schedules;
 * this runs on the timers' virtual threads, one call at a time each.
 */
final class CallPlacement {
    private static final Logger log = LoggerFactory.getLogger(CallPlacement.class);
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
    private final Reconciliation reconciliation;
    private final Timers timers;
    private final Clock clock;
    private final Wakeup wakeup;
    private final Counter dials;
    private final Timer lag;

    CallPlacement(
            ClaimStore claims,
            DialGates gates,
            AttemptRecorder recorder,
            CallRegistry registry,
            Timers timers,
            Clock clock,
            Wakeup wakeup,
            MeterRegistry meters) {
        this.claims = claims;
        this.gates = gates;
        this.recorder = recorder;
        this.registry = registry;
        this.reconciliation = new Reconciliation(recorder, registry);
        this.timers = timers;
        this.clock = clock;
        this.wakeup = wakeup;
        this.dials = Counter.builder("batchcall.dials")
                .description("Dial requests sent to providers")
                .register(meters);
        this.lag = Timer.builder("batchcall.dispatch.lag")
                .description("From a recipient being due to its dial")
                .register(meters);
    }

    /** Places a call; whatever goes wrong on the way ends its attempt with a reason instead of leaving it stuck. */
    void placeSafely(LiveCall call) {
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
    boolean stillToDial(Claim claim) {
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

    private void handle(LiveCall call, PlaceResult result, Instant dialedAt) {
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
    private void track(LiveCall call, String providerCallId, Instant dialedAt) {
        call.providerCallId = providerCallId;
        boolean stillWanted = recorder.accepted(call.claim.attempt(), providerCallId, dialedAt);
        registry.changed(call.batchKey());
        if (!stillWanted || registry.isCancelled(call.batchKey()) || call.recipientCancelled) {
            // Not wanted: the attempt was ended meanwhile (by another node's recovery, say) or deleted; the call
            // must not go on without an attempt that counts it against the limits.
            call.stop(!stillWanted);
        }
    }
}
