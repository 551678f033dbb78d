package io.batchcall.domain;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Paced dial slots on one number: each call gets the next free instant, 1/cps after the previous one, and no
 * slot is handed out further ahead than the horizon. The number keeps the next free instant between claims, so
 * the pace holds across claims and nodes.
 */
public final class DialSlots {
    private final Duration gap;
    private final Instant horizon;
    private Instant next;

    public DialSlots(BigDecimal cps, Optional<Instant> nextFree, Instant now, Duration horizon) {
        long nanos = BigDecimal.valueOf(1_000_000_000L)
                .divide(cps, 0, RoundingMode.CEILING)
                .longValue();
        this.gap = Duration.ofNanos(Math.max(1, nanos));
        this.next = nextFree.filter(at -> at.isAfter(now)).orElse(now);
        this.horizon = now.plus(horizon);
    }

    /** How many slots are left within the horizon (at most {@code cap}). */
    public int available(int cap) {
        if (next.isAfter(horizon)) {
            return 0;
        }
        return (int) Math.min(cap, Duration.between(next, horizon).toNanos() / gap.toNanos() + 1);
    }

    /** The next slot, reserved. */
    public Instant take() {
        var slot = next;
        next = next.plus(gap);
        return slot;
    }

    /** The first instant not yet reserved: what the number keeps for the next claim. */
    public Instant nextFree() {
        return next;
    }
}
