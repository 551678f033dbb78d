package io.batchcall.dispatch;

import io.batchcall.domain.Claim;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.store.ClaimStore;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.CallState;
import io.batchcall.telephony.PlaceResult;
import io.batchcall.telephony.TelephonyProvider;
import io.batchcall.telephony.Timers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
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

    private final ClaimStore claims;
    private final AttemptRecorder recorder;
    private final CallRegistry registry;
    private final Map<Provider, TelephonyProvider> providers;
    private final Function<PhoneNumber, Map<String, String>> credentials;
    private final Timers timers;
    private final Clock clock;
    private final Wakeup wakeup;
    private final Counter dials;
    private final Timer lag;
    private volatile boolean running;
    private Thread loop;

    public Dispatcher(ClaimStore claims, AttemptRecorder recorder, CallRegistry registry,
                      Map<Provider, TelephonyProvider> providers, Function<PhoneNumber, Map<String, String>> credentials,
                      Timers timers, Clock clock, Wakeup wakeup, MeterRegistry meters) {
        this.claims = claims;
        this.recorder = recorder;
        this.registry = registry;
        this.providers = Map.copyOf(providers);
        this.credentials = credentials;
        this.timers = timers;
        this.clock = clock;
        this.wakeup = wakeup;
        this.dials = Counter.builder("batchcall.dials").description("Dial requests sent to providers").register(meters);
        this.lag = Timer.builder("batchcall.dispatch.lag").description("From a recipient being due to its dial")
                .register(meters);
    }

    /** One pass: claims in every workspace with due batches and schedules the dials. Returns how many. */
    public int dispatchOnce() {
        int claimed = 0;
        for (var workspace : claims.workspacesWithDueBatches()) {
            var result = claims.claim(workspace, number -> providers.containsKey(number.provider()));
            result.started().forEach(batchId -> log.info("Batch started workspaceId={} batchId={}", workspace,
                    batchId));
            result.failed().forEach(failed -> log.info("Batch failed workspaceId={} batchId={} reason={}",
                    failed.workspace(), failed.batchId(), failed.reason()));
            for (var claim : result.claims()) {
                schedule(claim);
                claimed++;
            }
        }
        return claimed;
    }

    private void schedule(Claim claim) {
        var provider = providers.get(claim.from().provider());
        var request = new CallRequest(claim.attempt(), claim.batchId(), claim.recipientId(), claim.to(), claim.from(),
                credentials.apply(claim.from()), claim.agent(), claim.callConfig(), claim.conversationId(),
                claim.clientDataJson());
        var call = new LiveCall(claim, request, provider);
        registry.add(call);
        var wait = Duration.between(clock.instant(), claim.dialAt());
        timers.schedule(wait.isNegative() ? Duration.ZERO : wait, () -> place(call));
    }

    /** Sends the dial request, unless the batch was cancelled while the claim waited for its slot. */
    private void place(LiveCall call) {
        var ref = call.claim.attempt();
        if (registry.isCancelled(call.batchKey())) {
            recorder.ended(ref, new Outcome.Cancelled(), Optional.empty(), Optional.empty(), false);
            return;
        }
        var dialedAt = clock.instant();
        dials.increment();
        lag.record(Duration.between(call.claim.due(), dialedAt).abs());
        PlaceResult result;
        try {
            result = call.provider.place(call.request);
        } catch (RuntimeException e) {
            // Whether the request left us is unknown: ask before anything else happens, never re-dial.
            result = new PlaceResult.Unknown(e.toString());
        }
        handle(call, result, dialedAt);
    }

    private void handle(LiveCall call, PlaceResult result, java.time.Instant dialedAt) {
        var ref = call.claim.attempt();
        switch (result) {
            case PlaceResult.Accepted accepted -> track(call, accepted.providerCallId(), dialedAt);
            case PlaceResult.Ended ended -> recorder.ended(ref, ended.outcome(), ended.providerStatus(),
                    ended.sipCode(), true);
            case PlaceResult.Unusable unusable -> {
                // The batch fails first: ending its last attempt first would complete it instead.
                if (claims.failBatch(ref.workspaceId(), call.claim.batchId(), unusable.reason())) {
                    log.info("Batch failed workspaceId={} batchId={} reason={}", ref.workspaceId(),
                            call.claim.batchId(), unusable.reason());
                }
                recorder.ended(ref, new Outcome.Failed(unusable.reason(), false), Optional.empty(), Optional.empty(),
                        false);
            }
            case PlaceResult.Unknown unknown -> {
                var state = call.provider.reconcile(call.request, Optional.empty());
                switch (state) {
                    case CallState.Ringing ringing -> track(call, ringing.providerCallId(), dialedAt);
                    case CallState.Answered answered -> {
                        track(call, answered.providerCallId(), dialedAt);
                        recorder.answered(ref);
                    }
                    case CallState.Ended ended -> recorder.ended(ref, ended.outcome(), ended.providerStatus(),
                            ended.sipCode(), true);
                    case CallState.Unknown stillUnknown -> recorder.ended(ref,
                            new Outcome.Interrupted(unknown.reason() + "; " + stillUnknown.reason()), Optional.empty(),
                            Optional.empty(), false);
                }
            }
        }
    }

    /** The provider has the call: record it, and stop it at once if its batch went away meanwhile. */
    private void track(LiveCall call, String providerCallId, java.time.Instant dialedAt) {
        call.providerCallId = providerCallId;
        boolean stillWanted = recorder.accepted(call.claim.attempt(), providerCallId, dialedAt);
        if (!stillWanted || registry.isCancelled(call.batchKey())) {
            stop(call, !stillWanted);
        }
    }

    /**
     * A batch was cancelled (or deleted): its claims not yet dialed will not be, its ringing calls are cancelled,
     * and when deleted, its answered calls are hung up too.
     */
    public void batchStopped(String workspaceId, String batchId, boolean deleted) {
        var key = CallRegistry.batchKey(workspaceId, batchId);
        registry.markCancelled(key);
        registry.inBatch(key).forEach(call -> stop(call, deleted));
    }

    private void stop(LiveCall call, boolean hangUpAnswered) {
        var callId = call.providerCallId;
        if (callId == null) {
            return;
        }
        try {
            if (!call.answered) {
                call.provider.cancel(call.request, callId);
            } else if (hangUpAnswered) {
                call.provider.hangUp(call.request, callId);
            }
        } catch (RuntimeException e) {
            log.warn("Provider did not stop a call attemptId={} error={}", call.claim.attempt().attemptId(),
                    e.toString());
        }
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
            } catch (RuntimeException e) {
                log.warn("Dispatch pass failed, retrying after backoffMs={} error={}", backoff.toMillis(),
                        e.toString());
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
            log.warn("Stopping with calls in flight; their leases will expire and another node resolves them"
                    + " calls={}", registry.size());
        }
    }
}
