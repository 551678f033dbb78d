package io.batchcall.telephony;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.CallEvent;
import io.batchcall.domain.Outcome;
import java.util.Optional;

/**
 * Where providers report what their calls do, as {@link CallEvent}s. Idempotent and order-tolerant: an attempt's
 * state only moves forward, so a late, repeated or out-of-order event changes nothing. The default methods say
 * the common events in one call.
 */
public interface CallEventSink {
    void report(CallEvent event);

    /**
     * Reports without waiting for the event to be stored, for a provider nobody waits on for an acknowledgement
     * (the in-process simulator: a real carrier's call goes on while our write of its answer is still on its way,
     * and a sender that must hear "stored" before it lets go, such as Twilio's callback, uses {@link #report}).
     * The event is still recorded, in order with the attempt's later reports.
     */
    default void reportWithoutWaiting(CallEvent event) {
        report(event);
    }

    default void ringing(AttemptRef attempt) {
        report(new CallEvent.Ringing(attempt));
    }

    default void answered(AttemptRef attempt) {
        report(new CallEvent.Answered(attempt));
    }

    default void ended(
            AttemptRef attempt, Outcome outcome, Optional<String> providerStatus, Optional<Integer> sipCode) {
        report(new CallEvent.Ended(attempt, outcome, providerStatus, sipCode, true));
    }
}
