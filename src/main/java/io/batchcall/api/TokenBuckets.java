package io.batchcall.api;

import io.batchcall.config.RateLimitConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One token bucket per client (an address, an API key's hash), in this node's memory. A bucket holds up to
 * {@code burst} tokens and gains {@code perSecond} a second; a request takes one. A full bucket is the same as
 * no bucket, so idle clients are forgotten when the table grows past its bound, and memory stays bounded
 * whatever the number of clients.
 */
final class TokenBuckets {
    /** How many clients are tracked before idle ones are swept out. */
    static final int MAX_TRACKED = 100_000;
    /** A sweep walks the whole table; at most one a second, so that a full table costs no CPU per request. */
    private static final long SWEEP_INTERVAL_MILLIS = 1_000;

    private static final double MILLIS_PER_SECOND = 1_000.0;

    private final RateLimitConfig.Rate rate;
    private final Clock clock;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicLong lastSweep = new AtomicLong();

    TokenBuckets(RateLimitConfig.Rate rate, Clock clock) {
        this.rate = rate;
        this.clock = clock;
    }

    /** Takes a token for {@code client}: {@link Duration#ZERO} when there was one, else how long until there is. */
    Duration take(String client) {
        return bucket(client).take(clock.millis(), true);
    }

    /** How long until {@code client} has a token ({@link Duration#ZERO}: now), taking none. */
    Duration wait(String client) {
        var bucket = buckets.get(client);
        return bucket == null ? Duration.ZERO : bucket.take(clock.millis(), false);
    }

    /** True when this client has a bucket: it was seen recently enough not to be swept out. */
    boolean tracks(String client) {
        return buckets.containsKey(client);
    }

    private Bucket bucket(String client) {
        var bucket = buckets.get(client);
        if (bucket != null) {
            return bucket;
        }
        if (buckets.size() >= MAX_TRACKED) {
            sweep();
            if (buckets.size() >= 2 * MAX_TRACKED) {
                // Every tracked client is active: rather than grow without bound, leave this one untracked
                // (a full bucket each time) until idle ones can be swept.
                return new Bucket(rate.burst(), clock.millis());
            }
        }
        return buckets.computeIfAbsent(client, c -> new Bucket(rate.burst(), clock.millis()));
    }

    /** Forgets clients whose buckets have refilled: they are exactly as if never seen. */
    private void sweep() {
        long now = clock.millis();
        long last = lastSweep.get();
        if (now - last < SWEEP_INTERVAL_MILLIS || !lastSweep.compareAndSet(last, now)) {
            return;
        }
        buckets.values().removeIf(bucket -> bucket.full(now));
    }

    private final class Bucket {
        private double tokens;
        private long refilledAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }

        synchronized Duration take(long now, boolean consume) {
            refill(now);
            if (tokens >= 1) {
                if (consume) {
                    tokens -= 1;
                }
                return Duration.ZERO;
            }
            return Duration.ofMillis((long) Math.ceil((1 - tokens) * MILLIS_PER_SECOND / rate.perSecond()));
        }

        synchronized boolean full(long now) {
            refill(now);
            return tokens >= rate.burst();
        }

        private void refill(long now) {
            if (now > refilledAt) {
                tokens = Math.min(rate.burst(), tokens + (now - refilledAt) * rate.perSecond() / MILLIS_PER_SECOND);
                refilledAt = now;
            }
        }
    }
}
