package io.batchcall.telephony;

import io.batchcall.domain.Outcome;
import java.util.Optional;

/** What a provider knows of a call when asked later (after its node died, say). */
public sealed interface CallState {
    record Ringing(String providerCallId) implements CallState {}

    record Answered(String providerCallId) implements CallState {}

    record Ended(Outcome outcome, Optional<String> providerStatus, Optional<Integer> sipCode) implements CallState {}

    /** The provider cannot tell (no such call known, or it cannot be asked). */
    record Unknown(String reason) implements CallState {}
}
