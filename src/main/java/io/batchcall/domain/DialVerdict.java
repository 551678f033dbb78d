package io.batchcall.domain;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Optional;

/** What the campaign rules say, at one instant, about dialing one recipient. */
public sealed interface DialVerdict {
    /**
     * Dial it. {@code zone} and {@code localTime} are the recipient's (empty when no zone is known and no window
     * applies); {@code policy} names the rules that allowed it, for the attempt's audit trail.
     */
    record Allowed(Optional<ZoneId> zone, Optional<LocalDateTime> localTime, String policy) implements DialVerdict {}

    /** Not now: the recipient stays pending with this reason until {@code until}. */
    record Held(HoldReason reason, Instant until) implements DialVerdict {}

    /** Never: the recipient ends cancelled with this reason, without a dial. */
    record Skipped(SkipReason reason) implements DialVerdict {}
}
