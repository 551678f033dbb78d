package io.batchcall.dispatch;

import io.batchcall.config.DispatchConfig;
import io.batchcall.domain.AttemptPhase;
import io.batchcall.domain.Claim;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.store.AgentStore;
import io.batchcall.store.DatabaseFailures;
import io.batchcall.store.LeaseStore;
import io.batchcall.store.PhoneNumberStore;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.TelephonyProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's leases alive and resolves the attempts of nodes that died: each orphan is reconciled with
 * its provider where that is possible; what no one can know ends as interrupted and is never re-dialed on its
 * own (a later retry may).
 */
public final class LeaseKeeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);
    private static final int RECOVERY_BATCH = 500;

    private final LeaseStore leases;
    private final CallRegistry registry;
    private final AttemptRecorder recorder;
    private final Map<Provider, TelephonyProvider> providers;
    private final AgentStore agents;
    private final PhoneNumberStore phoneNumbers;
    private final Function<PhoneNumber, Map<String, String>> credentials;
    private final DispatchConfig config;
    private final Counter recovered;
    private final Reconciliation reconciliation;
    private ScheduledExecutorService scheduler;

    public LeaseKeeper(
            LeaseStore leases,
            CallRegistry registry,
            AttemptRecorder recorder,
            Map<Provider, TelephonyProvider> providers,
            AgentStore agents,
            PhoneNumberStore phoneNumbers,
            Function<PhoneNumber, Map<String, String>> credentials,
            DispatchConfig config,
            MeterRegistry meters) {
        this.leases = leases;
        this.registry = registry;
        this.recorder = recorder;
        this.providers = Map.copyOf(providers);
        this.agents = agents;
        this.phoneNumbers = phoneNumbers;
        this.credentials = credentials;
        this.config = config;
        this.reconciliation = new Reconciliation(recorder, registry);
        this.recovered = Counter.builder("batchcall.leases.recovered")
                .description("Attempts taken over from nodes that stopped renewing their leases")
                .register(meters);
    }

    /**
     * Renews this node's leases and returns how many it renewed. A call whose lease this node no longer holds
     * (another node took it over while this one could not reach the database, or it ended elsewhere) is let go:
     * if it was not dialed yet it never will be from here, and if its attempt ended while its call is still live,
     * the call is stopped, since nothing counts it against the limits any more.
     */
    public int beatOnce() {
        var live = registry.all();
        var renewal =
                leases.renew(live.stream().map(call -> call.claim.attempt()).toList());
        var lost = new ArrayList<LiveCall>();
        for (var call : live) {
            if (renewal.renewedAttemptIds().contains(call.claim.attempt().attemptId())) {
                call.leaseHeldUntil = renewal.until();
            } else {
                lost.add(call);
            }
        }
        if (!lost.isEmpty()) {
            var ended = leases.endedOrGone(
                    lost.stream().map(call -> call.claim.attempt()).toList());
            for (var call : lost) {
                // Still tracked here and ended in the database: either its end is being recorded right now by this
                // node (then the registry lets go of it in a moment) or another node ended it.
                if (registry.find(call.claim.attempt()).isEmpty()) {
                    continue;
                }
                call.leaseLost = true;
                registry.remove(call.claim.attempt());
                if (ended.contains(call.claim.attempt().attemptId())) {
                    log.warn(
                            "Attempt ended elsewhere while this node held its call; stopping the call attemptId={}",
                            call.claim.attempt().attemptId());
                    call.stop(true);
                } else {
                    log.warn(
                            "Lease taken over by another node; letting the call go attemptId={}",
                            call.claim.attempt().attemptId());
                }
            }
        }
        return renewal.renewedAttemptIds().size();
    }

    /** Takes over and resolves expired leases; returns how many attempts were recovered. */
    public int recoverOnce() {
        int count = 0;
        for (var orphan : leases.takeOverExpired(RECOVERY_BATCH)) {
            count++;
            recovered.increment();
            try {
                resolve(orphan);
            } catch (Throwable e) {
                // One orphan that cannot be resolved (its provider failed, its credentials cannot be opened) must
                // not stop the others, nor come back at every beat: it ends interrupted, freeing its slots.
                log.error(
                        "Recovering an attempt failed; it ends interrupted attemptId={} error={}",
                        orphan.attempt().attemptId(),
                        e.getClass().getSimpleName());
                recorder.ended(
                        orphan.attempt(),
                        new Outcome.Interrupted("node " + orphan.previousNode()
                                + " stopped during the call (" + orphan.phase() + ") and recovering it failed: "
                                + e.getClass().getSimpleName()),
                        Optional.empty(),
                        Optional.empty(),
                        orphan.providerCallId().isPresent());
            }
        }
        return count;
    }

    private void resolve(LeaseStore.Orphan orphan) {
        var ref = orphan.attempt();
        var request = request(orphan);
        var provider =
                request.flatMap(r -> Optional.ofNullable(providers.get(r.from().provider())));
        var context = "node " + orphan.previousNode() + " stopped during the call (" + orphan.phase() + ")";
        if (provider.isEmpty()) {
            log.warn(
                    "Lease recovered attemptId={} previousNode={} phase={} state=Unknown",
                    ref.attemptId(),
                    orphan.previousNode(),
                    orphan.phase());
            recorder.ended(
                    ref,
                    new Outcome.Interrupted(context + " and its number or agent is gone"),
                    Optional.empty(),
                    Optional.empty(),
                    orphan.providerCallId().isPresent());
            return;
        }
        var claim = new Claim(
                ref,
                orphan.batchId(),
                orphan.recipientId(),
                orphan.attemptNumber(),
                orphan.to(),
                request.get().from(),
                request.get().agent(),
                orphan.callConfig(),
                orphan.conversationId(),
                orphan.clientDataJson(),
                orphan.dialAt(),
                orphan.claimedAt());
        var call = new LiveCall(claim, request.get(), provider.get(), orphan.takenAt(), orphan.leaseUntil());
        call.providerCallId = orphan.providerCallId().orElse(null);
        call.answered = orphan.phase().equals(AttemptPhase.ANSWERED.wireName());
        call.dialStartedAt = orphan.dialAt();
        var state = reconciliation.resolve(
                call,
                new Reconciliation.WhenUnknown.EndInterrupted(
                        context + " and", orphan.providerCallId().isPresent()));
        if (orphan.cancelRequested()) {
            // Its recipient or batch was cancelled while it rang, and the node that held it may never have heard:
            // a call still ringing is cancelled now (an answered one is left to finish, as a cancel leaves it).
            registry.find(ref).ifPresent(live -> {
                live.recipientCancelled = true;
                live.stop(false);
            });
        }
        log.warn(
                "Lease recovered attemptId={} previousNode={} phase={} state={}",
                ref.attemptId(),
                orphan.previousNode(),
                orphan.phase(),
                state.getClass().getSimpleName());
    }

    private Optional<CallRequest> request(LeaseStore.Orphan orphan) {
        var workspace = orphan.attempt().workspaceId();
        var number = phoneNumbers.find(workspace, orphan.phoneNumberId());
        var agent = agents.find(workspace, orphan.agentId());
        if (number.isEmpty() || agent.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new CallRequest(
                orphan.attempt(),
                orphan.batchId(),
                orphan.recipientId(),
                orphan.to(),
                number.get(),
                credentials.apply(number.get()),
                agent.get(),
                orphan.callConfig(),
                orphan.conversationId(),
                orphan.clientDataJson()));
    }

    public LeaseKeeper start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("batchcall-leases").daemon(true).factory());
        long period = config.heartbeatInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::tick, 0, period, TimeUnit.MILLISECONDS);
        return this;
    }

    private void tick() {
        try {
            beatOnce();
            recoverOnce();
        } catch (RuntimeException e) {
            log.warn(
                    "Lease upkeep failed, retrying at the next beat error={} sqlState={}",
                    e.getClass().getSimpleName(),
                    DatabaseFailures.sqlState(e).orElse("none"));
        }
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
