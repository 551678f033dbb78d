package io.batchcall.telephony;

import io.batchcall.domain.HoldReason;
import io.batchcall.domain.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** What a provider answered to a dial request. */
public sealed interface PlaceResult {
    /** The provider took the call; events follow through the {@link CallEventSink}. */
    record Accepted(String providerCallId) implements PlaceResult {}

    /** The call ended before it started (refused number, say). */
    record Ended(Outcome outcome, Optional<String> providerStatus, Optional<Integer> sipCode) implements PlaceResult {}

    /**
     * This number or account cannot place any call (credentials rejected, number unusable): the batch fails with
     * {@code reason} instead of failing each recipient in turn.
     */
    record Unusable(String reason) implements PlaceResult {}

    /** The request may or may not have reached the provider; only the provider can tell (see reconcile). */
    record Unknown(String reason) implements PlaceResult {}

    /**
     * Nothing was sent: the provider account's request pace is taken too far ahead (several numbers or nodes share
     * it). Place the call again after {@code retryIn}; until then it has not started dialing.
     */
    record Deferred(Duration retryIn, String reason) implements PlaceResult {}

    /**
     * Nothing was dialed, and the recipient must wait (for the callee's permission, or a limit of the provider's):
     * the claim is given back, and the recipient stays pending with {@code reason} until {@code until}, holding no
     * slot meanwhile. Something may wake it sooner (the permission's reply).
     */
    record Held(HoldReason reason, Instant until, String detail) implements PlaceResult {}
}
