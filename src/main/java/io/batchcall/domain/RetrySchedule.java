package io.batchcall.domain;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When a failed webhook delivery is sent again: ElevenLabs' own steps (30 s, 2 min, 8 min, 30 min), then the
 * Standard Webhooks tail (2 h, 5 h, 10 h, 14 h, 20 h, 24 h), each with up to 10% jitter either way, so that 11
 * attempts span about 3.2 days. A receiver's {@code Retry-After} replaces the next delay, capped at a day, but never
 * adds attempts.
 */
public record RetrySchedule(List<Duration> delays, double jitter, Duration retryAfterCap) {
    public static final RetrySchedule STANDARD = new RetrySchedule(
            List.of(
                    Duration.ofSeconds(30),
                    Duration.ofMinutes(2),
                    Duration.ofMinutes(8),
                    Duration.ofMinutes(30),
                    Duration.ofHours(2),
                    Duration.ofHours(5),
                    Duration.ofHours(10),
                    Duration.ofHours(14),
                    Duration.ofHours(20),
                    Duration.ofHours(24)),
            0.10,
            Duration.ofHours(24));

    public RetrySchedule {
        delays = List.copyOf(delays);
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter is a fraction of the delay, from 0 to below 1");
        }
    }

    /** How many attempts a delivery gets in all, the first included. */
    public int maxAttempts() {
        return delays.size() + 1;
    }

    /**
     * The wait before the next attempt, after {@code attemptsMade} failed ones; empty when the schedule is used up.
     */
    public Optional<Duration> delayAfter(int attemptsMade, Optional<Duration> retryAfter, RandomGenerator random) {
        if (attemptsMade < 1 || attemptsMade > delays.size()) {
            return Optional.empty();
        }
        if (retryAfter.isPresent() && !retryAfter.get().isNegative()) {
            return Optional.of(retryAfter.get().compareTo(retryAfterCap) > 0 ? retryAfterCap : retryAfter.get());
        }
        var base = delays.get(attemptsMade - 1);
        double factor = 1 + jitter * (2 * random.nextDouble() - 1);
        return Optional.of(Duration.ofMillis(Math.round(base.toMillis() * factor)));
    }
}
