package io.batchcall.config;

import java.util.Optional;

/**
 * What real providers need from this node: {@code publicUrl}, the externally reachable base URL that providers
 * call back (status callbacks are signed over it, so it must be exactly what the provider calls, also behind a
 * TLS-terminating proxy), and Twilio's REST API base (a fake on loopback in tests).
 */
public record TelephonyConfig(Optional<String> publicUrl, String twilioApiBase) {
    public static final String DEFAULT_TWILIO_API_BASE = "https://api.twilio.com";
}
