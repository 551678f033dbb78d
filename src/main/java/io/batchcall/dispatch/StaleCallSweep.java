package io.batchcall.dispatch;

import io.batchcall.telephony.CallState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves calls this node tracks whose end was never reported (a lost status callback, or one delivered to
 * another node): once a call is overdue, its provider is asked ({@link io.batchcall.telephony.TelephonyProvider#reconcile}
 * with its call id), and asked again at intervals until it has ended. Provider-agnostic: any provider that can
 * look a call up by its id is covered.
 */
public final class StaleCallSweep implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StaleCallSweep.class);
    /** Past its ringing timeout, how long a call may go unreported: Twilio adds 5 s, callbacks can be slow. */
    static final Duration RING_GRACE = Duration.ofSeconds(60);
    /** How often a call still ringing (or unknown) after that is asked about again. */
    static final Duration RINGING_RECHECK = Duration.ofMinutes(1);
    /** How often a conversation in progress is asked about: it may rightly last long. */
    static final Duration ANSWERED_RECHECK = Duration.ofMinutes(5);
    /** After this, a call its provider cannot tell about ends as interrupted (Twilio cuts calls at 4 hours). */
    static final Duration GIVE_UP_AFTER = Duration.ofHours(5);

    private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(15);

    private final CallRegistry registry;
    private final Reconciliation reconciliation;
    private final Clock clock;
    /** When each tracked call is next due for a look-up, by attempt id. */
    private final Map<String, Instant> nextCheck = new ConcurrentHashMap<>();

    private ScheduledExecutorService scheduler;

    public StaleCallSweep(CallRegistry registry, AttemptRecorder recorder, Clock clock) {
        this.registry = registry;
        this.reconciliation = new Reconciliation(recorder, registry);
        this.clock = clock;
    }

    /** Asks about every overdue call once; returns how many were asked about. */
    public int sweepOnce() {
        var now = clock.instant();
        var live = registry.all().stream()
                .collect(Collectors.toMap(call -> call.claim.attempt().attemptId(), call -> call));
        nextCheck.keySet().retainAll(live.keySet());
        int asked = 0;
        for (var call : live.values()) {
            var dialStarted = call.dialStartedAt;
            if (dialStarted == null) {
                // Not dialed yet (waiting for its paced slot or its lease): the dispatcher decides about it.
                continue;
            }
            var ringDeadline = dialStarted
                    .plusSeconds(call.claim.callConfig().ringingTimeoutSecs())
                    .plus(RING_GRACE);
            var id = call.claim.attempt().attemptId();
            if (now.isBefore(nextCheck.computeIfAbsent(id, key -> ringDeadline))) {
                continue;
            }
            asked++;
            nextCheck.put(id, now.plus(resolve(call, now.isAfter(ringDeadline.plus(GIVE_UP_AFTER)))));
        }
        return asked;
    }

    /**
     * Asks the provider about one overdue call (by its id, or, for a dial request that never returned one, by what
     * it was dialed with) and records what it says; returns when to ask again. A call the provider cannot tell
     * about ends interrupted when it never got an id (if the request returns after all, the recorder's "not
     * wanted" makes the dispatcher stop that call) or once it has been overdue for hours; otherwise it is asked
     * about again later.
     */
    private Duration resolve(LiveCall call, boolean givenUp) {
        var ref = call.claim.attempt();
        boolean unnamed = call.providerCallId == null;
        Reconciliation.WhenUnknown whenUnknown = unnamed
                ? new Reconciliation.WhenUnknown.EndInterrupted(
                        "the dial request never returned a call id and the" + " provider cannot find the call:", false)
                : givenUp
                        ? new Reconciliation.WhenUnknown.EndInterrupted(
                                "no end was reported for hours and the" + " provider cannot tell:", true)
                        : new Reconciliation.WhenUnknown.AskAgainLater();
        var state = reconciliation.resolve(call, whenUnknown);
        switch (state) {
            case CallState.Ended ended ->
                log.info(
                        "Overdue call resolved by its provider attemptId={} outcome={}",
                        ref.attemptId(),
                        ended.outcome().wireName());
            case CallState.Unknown unknown ->
                log.warn(
                        "Overdue call unknown to its provider attemptId={}" + " endedInterrupted={} reason={}",
                        ref.attemptId(),
                        unnamed || givenUp,
                        unknown.reason());
            case CallState.Answered answered -> {
                return ANSWERED_RECHECK;
            }
            case CallState.Ringing ringing -> {}
        }
        return RINGING_RECHECK;
    }

    public StaleCallSweep start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("batchcall-stale-calls").daemon(true).factory());
        scheduler.scheduleWithFixedDelay(
                this::tick, SWEEP_INTERVAL.toMillis(), SWEEP_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void tick() {
        try {
            sweepOnce();
        } catch (Throwable e) {
            log.warn("Stale call sweep failed, retrying at the next interval error={}", e.toString());
        }
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
