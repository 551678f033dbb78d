package io.batchcall.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * ElevenLabs' rule for disabling a webhook by itself, verbatim: at least 10 consecutive failed deliveries, and no
 * successful one in the last 7 days (or ever). batchcall then holds its deliveries instead of dropping them.
 */
public record EndpointHealth(int consecutiveFailures, Optional<Instant> lastSuccessAt) {
    public static final int FAILURES_TO_DISABLE = 10;
    public static final Duration SUCCESS_WINDOW = Duration.ofDays(7);

    public boolean shouldAutoDisable(Instant now) {
        return consecutiveFailures >= FAILURES_TO_DISABLE
                && lastSuccessAt
                        .map(success -> success.isBefore(now.minus(SUCCESS_WINDOW)))
                        .orElse(true);
    }
}
