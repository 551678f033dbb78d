package io.batchcall.telephony;

import io.batchcall.domain.Provider;
import java.util.Optional;

/**
 * The SPI every telephony provider implements. Calls are blocking and made from virtual threads; events about
 * calls arrive through the {@link CallEventSink} the provider was built with.
 */
public interface TelephonyProvider {
    Provider kind();

    /** Places one call. Must not retry a dial request blindly: a request that may have gone out is Unknown. */
    PlaceResult place(CallRequest request);

    /** Stops a call that has not been answered yet (the batch was cancelled). */
    void cancel(CallRequest request, String providerCallId);

    /** Ends a call in progress. */
    void hangUp(CallRequest request, String providerCallId);

    /**
     * Asks the provider what became of an attempt whose node lost track of it: by its call id when it was
     * accepted, otherwise by what it was dialed with.
     */
    CallState reconcile(CallRequest request, Optional<String> providerCallId);

    /**
     * The claim {@link PlaceResult.Held held} was given back and its recipient now waits. What ends a wait early
     * (a WhatsApp user's reply, say) may have come while the claim was being given back, before there was a held
     * recipient to wake: a provider whose holds end that way looks again here.
     */
    default void held(CallRequest request) {}
}
