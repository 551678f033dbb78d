package io.batchcall.config;

import java.time.Duration;

/**
 * How this node delivers webhooks: the timeout of one request, how many requests one endpoint may have in flight
 * across all nodes, how often the sender looks for due deliveries when no notification woke it, whether webhook
 * URLs must be https, and how long a rotated-out secret keeps signing.
 */
public record WebhookConfig(
        Duration requestTimeout,
        int maxInFlightPerEndpoint,
        Duration pollInterval,
        boolean requireHttps,
        Duration rotationGrace) {
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(15);
    public static final int DEFAULT_MAX_IN_FLIGHT = 16;
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_ROTATION_GRACE = Duration.ofHours(24);

    public static WebhookConfig defaults() {
        return new WebhookConfig(
                DEFAULT_REQUEST_TIMEOUT, DEFAULT_MAX_IN_FLIGHT, DEFAULT_POLL_INTERVAL, false, DEFAULT_ROTATION_GRACE);
    }

    /**
     * How long a node's claim on a delivery lives: the request's timeout plus a margin for recording its result.
     * Past it, another node's reaper takes the delivery back and sends it again (same webhook-id).
     */
    public Duration lease() {
        return requestTimeout.plusSeconds(30);
    }
}
