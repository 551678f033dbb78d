package io.batchcall.config;

import java.time.Duration;

/**
 * WhatsApp calling through Meta's Graph API: its base URL (a fake on loopback in tests), the API version a number
 * uses unless its settings name one, and how long a recipient waits for a user to answer our call permission
 * request before it fails (Meta's request lives 7 days).
 */
public record WhatsAppConfig(String graphUrl, String graphVersion, Duration permissionWait) {
    public static final String DEFAULT_GRAPH_URL = "https://graph.facebook.com";
    public static final String DEFAULT_GRAPH_VERSION = "v23.0";
    public static final Duration DEFAULT_PERMISSION_WAIT = Duration.ofDays(7);

    public WhatsAppConfig {
        if (permissionWait.isNegative() || permissionWait.isZero()) {
            throw new IllegalArgumentException("the permission wait must be positive");
        }
    }

    public static WhatsAppConfig defaults() {
        return new WhatsAppConfig(DEFAULT_GRAPH_URL, DEFAULT_GRAPH_VERSION, DEFAULT_PERMISSION_WAIT);
    }
}
