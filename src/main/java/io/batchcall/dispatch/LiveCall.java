package io.batchcall.dispatch;

import io.batchcall.domain.Claim;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.TelephonyProvider;

/** A call this node placed (or took over) and tracks until it ends. */
final class LiveCall {
    final Claim claim;
    final CallRequest request;
    final TelephonyProvider provider;
    volatile String providerCallId;
    volatile boolean answered;

    LiveCall(Claim claim, CallRequest request, TelephonyProvider provider) {
        this.claim = claim;
        this.request = request;
        this.provider = provider;
    }

    String batchKey() {
        return CallRegistry.batchKey(claim.attempt().workspaceId().value(), claim.batchId());
    }
}
