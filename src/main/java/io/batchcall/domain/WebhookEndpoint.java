package io.batchcall.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A workspace webhook as its owner sees it (never its secret). {@code eventTypes} is our extension: the batchcall
 * event types it receives, with wildcards ({@code batch.*}, {@code *}).
 */
public record WebhookEndpoint(
        WorkspaceId workspaceId,
        String id,
        String name,
        String url,
        Map<String, String> requestHeaders,
        List<String> eventTypes,
        boolean retryEnabled,
        boolean disabled,
        boolean autoDisabled,
        Optional<String> disabledReason,
        int consecutiveFailures,
        Optional<Instant> lastSuccessAt,
        Optional<Integer> mostRecentFailureCode,
        Optional<Instant> mostRecentFailureAt,
        Optional<Instant> previousSecretUntil,
        Instant createdAt) {
    public WebhookEndpoint {
        requestHeaders = Map.copyOf(requestHeaders);
        eventTypes = List.copyOf(eventTypes);
    }
}
