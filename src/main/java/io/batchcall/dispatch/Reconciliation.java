package io.batchcall.dispatch;

import io.batchcall.domain.Outcome;
import io.batchcall.telephony.CallState;
import java.util.Optional;

/**
 * "Ask the provider, then record": the one path by which a call this node is unsure about (a dial whose answer
 * was lost, an orphan of a node that died, a call whose end was never reported) is looked up at its provider and
 * what the provider says is recorded as call events. What to do when the provider cannot tell is the caller's
 * choice: end the attempt interrupted now, or ask again later.
 */
final class Reconciliation {
    private final AttemptRecorder recorder;
    private final CallRegistry registry;

    Reconciliation(AttemptRecorder recorder, CallRegistry registry) {
        this.recorder = recorder;
        this.registry = registry;
    }

    /** What to do with a call its provider cannot tell about. */
    sealed interface WhenUnknown {
        /** End the attempt interrupted; the reason is {@code context}, a space, and why the provider cannot tell. */
        record EndInterrupted(String context, boolean reachedProvider) implements WhenUnknown {}

        /** Leave it as it is: the caller asks again later. */
        record AskAgainLater() implements WhenUnknown {}
    }

    /** Asks the provider about the call (by its id when it has one); a provider that fails cannot tell. */
    CallState ask(LiveCall call) {
        try {
            return call.provider.reconcile(call.request, Optional.ofNullable(call.providerCallId));
        } catch (RuntimeException e) {
            return new CallState.Unknown(
                    "the provider's look-up failed: " + e.getClass().getSimpleName());
        }
    }

    /** Asks and records; returns what the provider said. */
    CallState resolve(LiveCall call, WhenUnknown whenUnknown) {
        var state = ask(call);
        record(call, state, whenUnknown);
        return state;
    }

    /**
     * Records what the provider said about the call: a call it has is followed (tracked by this node, its id and
     * answer recorded; stopped at once if its attempt ended meanwhile), an ended one is ended, an unknown one is
     * handled as the caller chose.
     */
    void record(LiveCall call, CallState state, WhenUnknown whenUnknown) {
        var ref = call.claim.attempt();
        switch (state) {
            case CallState.Ringing ringing -> follow(call, ringing.providerCallId(), false);
            case CallState.Answered answered -> follow(call, answered.providerCallId(), true);
            case CallState.Ended ended ->
                recorder.ended(ref, ended.outcome(), ended.providerStatus(), ended.sipCode(), true);
            case CallState.Unknown unknown -> {
                switch (whenUnknown) {
                    case WhenUnknown.EndInterrupted end ->
                        recorder.ended(
                                ref,
                                new Outcome.Interrupted(end.context() + " " + unknown.reason()),
                                Optional.empty(),
                                Optional.empty(),
                                end.reachedProvider());
                    case WhenUnknown.AskAgainLater later -> {}
                }
            }
        }
    }

    private void follow(LiveCall call, String providerCallId, boolean answered) {
        registry.add(call);
        boolean known = providerCallId.equals(call.providerCallId);
        call.providerCallId = providerCallId;
        if (!known) {
            var dialedAt = call.dialStartedAt != null ? call.dialStartedAt : call.claim.dialAt();
            if (!recorder.accepted(call.claim.attempt(), providerCallId, dialedAt)) {
                // The attempt ended meanwhile (another node's recovery, a delete): the call must not go on
                // without an attempt that counts it against the limits.
                call.stop(true);
                registry.remove(call.claim.attempt());
                return;
            }
        }
        if (registry.isCancelled(call.batchKey())) {
            call.stop(false);
        }
        if (answered && !call.answered) {
            call.answered = true;
            recorder.answered(call.claim.attempt());
        }
    }
}
