package io.batchcall.telephony;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Outcome;
import java.util.Optional;

/**
 * Where providers report what their calls do. Idempotent and order-tolerant: an attempt's state only moves
 * forward, so a late, repeated or out-of-order event changes nothing.
 */
public interface CallEventSink {
    void ringing(AttemptRef attempt);

    void answered(AttemptRef attempt);

    void ended(AttemptRef attempt, Outcome outcome, Optional<String> providerStatus, Optional<Integer> sipCode);
}
