package io.batchcall.config;

import java.util.Optional;

/**
 * What real providers need from this node: {@code publicUrl}, the externally reachable base URL that providers
 * call back (status callbacks are signed over it, so it must be exactly what the provider calls, also behind a
 * TLS-terminating proxy), Twilio's REST API base (a fake on loopback in tests), Exotel's API base when it is not
 * the number's own {@code api_subdomain} (a fake in tests), and how many requests a minute one Exotel account is
 * sent by all nodes together.
 */
public record TelephonyConfig(
        Optional<String> publicUrl, String twilioApiBase, Optional<String> exotelApiBase, int exotelRequestsPerMinute) {
    public static final String DEFAULT_TWILIO_API_BASE = "https://api.twilio.com";
    /**
     * Exotel allows 200 Voice API requests a minute per account; 180 leaves a tenth for the account's other
     * clients (its owner's CRM, Exotel's dashboard) and for requests that bunch on the way.
     */
    public static final int DEFAULT_EXOTEL_REQUESTS_PER_MINUTE = 180;

    public TelephonyConfig {
        if (exotelRequestsPerMinute < 1) {
            throw new IllegalArgumentException("exotelRequestsPerMinute must be positive");
        }
    }

    /** Twilio only, Exotel at its defaults. */
    public TelephonyConfig(Optional<String> publicUrl, String twilioApiBase) {
        this(publicUrl, twilioApiBase, Optional.empty(), DEFAULT_EXOTEL_REQUESTS_PER_MINUTE);
    }
}
