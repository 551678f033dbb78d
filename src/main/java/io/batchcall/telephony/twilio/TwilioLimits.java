package io.batchcall.telephony.twilio;

import java.time.Duration;

/**
 * How long a request to Twilio may take before its fate counts as unknown, and how a refused request (429, too
 * many concurrent requests) is retried: refused means not done, so sending it again cannot duplicate a call.
 */
public record TwilioLimits(Duration requestTimeout, Duration firstRateLimitBackoff, int rateLimitRetries) {
    public static TwilioLimits defaults() {
        return new TwilioLimits(Duration.ofSeconds(10), Duration.ofMillis(500), 4);
    }
}
