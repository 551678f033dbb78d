package io.batchcall.telephony;

import io.batchcall.domain.Provider;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The request pace of one provider account, held across every node: each request reserves the next slot, at
 * least {@code spacing} after the one before, and is sent no earlier. The store answers this; the provider sees
 * only this port.
 */
@FunctionalInterface
public interface RequestBudget {
    /**
     * Reserves the account's next request slot and returns when it is (now or later), unless that slot is more than
     * {@code within} away: then nothing is reserved and the answer is empty.
     */
    Optional<Instant> reserve(Provider provider, String account, Duration spacing, Duration within);
}
