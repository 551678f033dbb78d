package io.batchcall.config;

/**
 * Request rates under {@code /v1/}, kept in memory by each node (so with N nodes behind a balancer a client
 * gets up to N times each rate). Every request counts against its client address; an authenticated one also
 * against its API key. Requests that present a key the database does not know count a second time against
 * their address, in a much smaller budget that is checked before the database is asked, so that a flood of
 * invented keys costs no database connection. At most {@code maxConcurrentKeyLookups} requests look a key up
 * at once, whatever their address, which keeps most of the connection pool for the dispatcher.
 */
public record RateLimitConfig(Rate perKey, Rate perAddress, Rate unknownKeysPerAddress, int maxConcurrentKeyLookups) {

    /** A token bucket: {@code perSecond} requests a second on average, up to {@code burst} at once. */
    public record Rate(int perSecond, int burst) {
        public Rate {
            if (perSecond < 1 || burst < 1) {
                throw new IllegalArgumentException("a rate needs at least one request a second and a burst of one");
            }
        }
    }

    /**
     * Generous enough that the SDK conformance suite and bench/run (one key, one address, sequential loops of
     * fast requests from 127.0.0.1) are never throttled.
     */
    public static final Rate DEFAULT_PER_KEY = new Rate(200, 2_000);

    public static final Rate DEFAULT_PER_ADDRESS = new Rate(1_000, 5_000);
    public static final Rate DEFAULT_UNKNOWN_KEYS_PER_ADDRESS = new Rate(5, 50);
    /** Of the pool's 20 connections. */
    public static final int DEFAULT_MAX_CONCURRENT_KEY_LOOKUPS = 8;

    public static RateLimitConfig defaults() {
        return new RateLimitConfig(
                DEFAULT_PER_KEY,
                DEFAULT_PER_ADDRESS,
                DEFAULT_UNKNOWN_KEYS_PER_ADDRESS,
                DEFAULT_MAX_CONCURRENT_KEY_LOOKUPS);
    }
}
