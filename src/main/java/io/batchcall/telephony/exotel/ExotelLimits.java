package io.batchcall.telephony.exotel;

import java.time.Duration;

/**
 * How long a request to Exotel may take before its fate counts as unknown; how many requests a minute one account
 * is sent (by all nodes together); and how a request Exotel refused with 429 is retried: refused means not done,
 * so sending it again cannot place a second call.
 */
public record ExotelLimits(Duration requestTimeout, int requestsPerMinute, int rateLimitRetries,
                           Duration maxRetryAfter) {
    public ExotelLimits {
        if (requestsPerMinute < 1) {
            throw new IllegalArgumentException("requestsPerMinute must be positive");
        }
    }

    public static ExotelLimits withRequestsPerMinute(int requestsPerMinute) {
        return new ExotelLimits(Duration.ofSeconds(10), requestsPerMinute, 3, Duration.ofSeconds(30));
    }

    /** The least time between two requests to one account, in whole microseconds (what the database keeps). */
    Duration spacing() {
        return Duration.ofNanos((60_000_000L + requestsPerMinute - 1) / requestsPerMinute * 1_000);
    }
}
