package io.batchcall.dispatch;

import io.batchcall.domain.Claim;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.TelephonyProvider;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A call this node placed (or took over) and tracks until it ends. */
final class LiveCall {
    private static final Logger log = LoggerFactory.getLogger(LiveCall.class);

    final Claim claim;
    final CallRequest request;
    final TelephonyProvider provider;
    volatile String providerCallId;
    volatile boolean answered;
    /**
     * Its recipient was cancelled (one recipient's cancel): a call not yet taken by the provider is cancelled as
     * soon as it is. Volatile, as {@code providerCallId}: whichever of the two is written last sees the other.
     */
    volatile boolean recipientCancelled;
    /**
     * Until when this node knows it holds the attempt's lease: set at the claim and moved on by every heartbeat
     * that renewed it. Past it another node may have taken the attempt over, so this node must not dial it.
     */
    volatile Instant leaseHeldUntil;
    /** When the dial request was sent; null until then. */
    volatile Instant dialStartedAt;
    /** Set when another node took the attempt over or ended it: this node must not dial it. */
    volatile boolean leaseLost;
    /** The dial gate's reads that failed in a row for this call (the database away); reset by one that answers. */
    volatile int gateFailures;
    /** When this node claimed (or took over) the attempt. */
    final Instant claimedAt;
    /**
     * How long before its lease runs out a call is no longer dialed: room for the dial request itself and for
     * clocks of two nodes that disagree a little.
     */
    final Duration leaseMargin;

    LiveCall(Claim claim, CallRequest request, TelephonyProvider provider, Instant claimedAt, Instant leaseHeldUntil) {
        this.claim = claim;
        this.claimedAt = claimedAt;
        this.leaseMargin = Duration.between(claimedAt, leaseHeldUntil).dividedBy(6);
        this.request = request;
        this.provider = provider;
        this.leaseHeldUntil = leaseHeldUntil;
    }

    String batchKey() {
        return CallRegistry.batchKey(claim.attempt().workspaceId().value(), claim.batchId());
    }

    /**
     * Stops the call at its provider: a call not answered yet is cancelled, an answered one hung up only when
     * {@code hangUpAnswered}. Nothing happens before the provider gave the call an id. A provider that fails to
     * stop it is logged; the call's own end still arrives.
     */
    void stop(boolean hangUpAnswered) {
        var callId = providerCallId;
        if (callId == null) {
            return;
        }
        try {
            if (!answered) {
                provider.cancel(request, callId);
            } else if (hangUpAnswered) {
                provider.hangUp(request, callId);
            }
        } catch (RuntimeException e) {
            log.warn(
                    "Provider did not stop a call attemptId={} error={}",
                    claim.attempt().attemptId(),
                    e.getClass().getSimpleName());
        }
    }
}
