package io.batchcall.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.WebhookEndpoint;
import io.batchcall.store.DeliveryLog;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@link WebhookRoutes} answers: ElevenLabs' webhook models with our extension fields, the delivery log, the
 * replay count and the pull feed, and how a stored webhook, delivery or event body becomes one of them.
 */
final class WebhookResponses {
    private WebhookResponses() {}

    record Usage(String usageType) {}

    record WebhookResponse(
            String name,
            String webhookId,
            String webhookUrl,
            boolean isDisabled,
            boolean isAutoDisabled,
            long createdAtUnix,
            String authType,
            List<Usage> usage,
            Integer mostRecentFailureErrorCode,
            Long mostRecentFailureTimestamp,
            List<String> eventTypes,
            boolean retryEnabled,
            Map<String, String> requestHeaders,
            String disabledReason,
            Long previousSecretExpiresAtUnix) {}

    record ListResponse(List<WebhookResponse> webhooks) {}

    record CreatedResponse(String webhookId, String webhookSecret) {}

    record StatusResponse(String status) {}

    record RotatedResponse(String webhookId, String webhookSecret, long previousSecretExpiresAtUnix) {}

    record AttemptResponse(
            String eventId,
            int attempt,
            boolean succeeded,
            Integer statusCode,
            long durationMs,
            String errorClass,
            String error,
            String responseExcerpt) {}

    record DeliveryResponse(
            String eventId,
            long eventSeq,
            String eventType,
            String state,
            int attempts,
            long nextAttemptAtUnix,
            Integer lastStatus,
            String lastError,
            long createdAtUnix,
            Long deliveredAtUnix,
            String batchCallId,
            String recipientId,
            String conversationId) {}

    record DeliveriesResponse(List<DeliveryResponse> deliveries, String nextCursor, boolean hasMore) {}

    record LoggedAttempt(
            int attempt,
            String nodeId,
            long startedAtUnixMs,
            int durationMs,
            Integer statusCode,
            String errorClass,
            String error,
            String responseExcerpt,
            Long signedTimestamp) {}

    record DeliveryDetailResponse(DeliveryResponse delivery, List<LoggedAttempt> attempts, JsonNode event) {}

    record ReplayResponse(int queued) {}

    record FeedEvent(
            long seq,
            String eventId,
            String type,
            long occurredAtUnix,
            String batchCallId,
            String recipientId,
            String conversationId,
            JsonNode event) {}

    record FeedResponse(List<FeedEvent> events, String nextCursor, boolean hasMore) {}

    static WebhookResponse render(WebhookEndpoint w, boolean usages, Optional<String> postCallWebhookId) {
        var usage = !usages
                ? null
                : postCallWebhookId.filter(w.id()::equals).isPresent()
                        ? List.of(new Usage("ConvAI Settings"))
                        : List.<Usage>of();
        return new WebhookResponse(
                w.name(),
                w.id(),
                w.url(),
                w.disabled(),
                w.autoDisabled(),
                w.createdAt().getEpochSecond(),
                "hmac",
                usage,
                w.mostRecentFailureCode().orElse(null),
                w.mostRecentFailureAt().map(Instant::getEpochSecond).orElse(null),
                w.eventTypes(),
                w.retryEnabled(),
                w.requestHeaders(),
                w.disabledReason().orElse(null),
                w.previousSecretUntil().map(Instant::getEpochSecond).orElse(null));
    }

    static DeliveryResponse render(DeliveryLog.Delivery d) {
        return new DeliveryResponse(
                d.eventId(),
                d.eventSeq(),
                d.eventType(),
                d.state(),
                d.attempts(),
                d.nextAttemptAt().getEpochSecond(),
                d.lastStatus().orElse(null),
                d.lastError().orElse(null),
                d.createdAt().getEpochSecond(),
                d.deliveredAt().map(Instant::getEpochSecond).orElse(null),
                d.batchId().orElse(null),
                d.recipientId().orElse(null),
                d.conversationId().orElse(null));
    }

    static JsonNode tree(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("an event body is always JSON", e);
        }
    }
}
