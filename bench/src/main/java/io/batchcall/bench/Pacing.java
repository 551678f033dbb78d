package io.batchcall.bench;

import java.time.Duration;

/**
 * Holds a loop of warm-up requests to at most a given rate: under the server's per-address rate limit (1,000 a
 * second, 5,000 at once by default), which every request from the harness's one address counts against, whatever its
 * key. On a machine fast enough to go over, thousands of warm-up requests would empty the address's budget and the
 * measured requests after them would be answered 429. Call {@link #awaitTurn} before each request.
 */
final class Pacing {
    /** Warm-up requests a second at most, under the default per-address limit with room for the rest. */
    static final int WARM_UP_PER_SECOND = 800;

    private final long startedNanos;
    private final int perSecond;
    private long sent;

    Pacing(long startedNanos, int perSecond) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("at least one request a second");
        }
        this.startedNanos = startedNanos;
        this.perSecond = perSecond;
    }

    static Pacing ofWarmUp() {
        return new Pacing(System.nanoTime(), WARM_UP_PER_SECOND);
    }

    /** Waits until the next request is due: the n-th (from 0) is due n / perSecond after the start. */
    void awaitTurn() {
        long early = earlyBy(System.nanoTime());
        if (early > 0) {
            Pause.of(Duration.ofNanos(early));
        }
        sent++;
    }

    /** How many nanoseconds before its due time the next request would go at {@code nowNanos}; 0 or less if due. */
    long earlyBy(long nowNanos) {
        return startedNanos + sent * 1_000_000_000L / perSecond - nowNanos;
    }
}
