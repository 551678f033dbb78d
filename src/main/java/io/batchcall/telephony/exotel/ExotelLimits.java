package io.batchcall.telephony.exotel;

import java.time.Duration;

/**
 * How long a request to Exotel may take before its fate counts as unknown; how many requests a minute one account
 * is sent (by all nodes together); how far ahead a dial may take the account's next request slot (beyond, it is
 * deferred and placed again later, so that a backlog of dials on a shared account waits unsent, not half-dialed);
 * and how a request Exotel refused with 429 is retried: refused means not done, so sending it again cannot place a
 * second call.
 */
public record ExotelLimits(
        Duration requestTimeout,
        int requestsPerMinute,
        Duration dialSlotWait,
        int rateLimitRetries,
        Duration maxRetryAfter) {
    public ExotelLimits {
        if (requestsPerMinute < 1) {
            throw new IllegalArgumentException("requestsPerMinute must be positive");
        }
    }

    public static ExotelLimits withRequestsPerMinute(int requestsPerMinute) {
        return new ExotelLimits(
                Duration.ofSeconds(10), requestsPerMinute, Duration.ofSeconds(10), 3, Duration.ofSeconds(30));
    }

    /** How long a deferred dial waits before it asks for a slot again: the slot wait, and never less than a slot. */
    Duration deferral() {
        return dialSlotWait.compareTo(spacing()) > 0 ? dialSlotWait : spacing();
    }

    /** The least time between two requests to one account, in whole microseconds (what the database keeps). */
    Duration spacing() {
        return Duration.ofNanos((60_000_000L + requestsPerMinute - 1) / requestsPerMinute * 1_000);
    }
}
