package io.batchcall.api;

import java.util.List;

/** Our webhook operations beyond ElevenLabs' subset: tests, deliveries, replay, secret rotation, the pull feed. */
final class WebhookOperations {
    private WebhookOperations() {}

    /** Webhook deliveries and secrets, and the pull feed of events. */
    static final List<OpenApiOperation> WEBHOOKS = List.of(
            new OpenApiOperation(
                    "post",
                    WebhookRoutes.PATH + "/{webhook_id}/test",
                    "Webhooks",
                    "Send a webhook.test event"
                            + " now and answer the attempt: {event_id, attempt, succeeded, status_code, duration_ms, error_class,"
                            + " error, response_excerpt}",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get",
                    WebhookRoutes.PATH + "/{webhook_id}/deliveries",
                    "Webhooks",
                    "The webhook's"
                            + " deliveries, newest event first: {deliveries:[{event_id, event_type, state, attempts,"
                            + " next_attempt_at_unix, last_status, last_error, ...}], next_cursor, has_more}; filters state,"
                            + " event_type, batch_call_id; cursor, page_size (at most 100)",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get",
                    WebhookRoutes.PATH + "/{webhook_id}/deliveries/{event_id}",
                    "Webhooks",
                    "One delivery"
                            + " with every attempt (started_at_unix_ms, duration_ms, status_code, error_class, error,"
                            + " response_excerpt of at most 2 KiB) and the event as sent",
                    true,
                    "object"),
            new OpenApiOperation(
                    "post",
                    WebhookRoutes.PATH + "/{webhook_id}/deliveries/{event_id}/retry",
                    "Webhooks",
                    "Send one delivery again now (same webhook-id and body, a new timestamp); 409 while it is being"
                            + " sent",
                    true,
                    "object"),
            new OpenApiOperation(
                    "post",
                    WebhookRoutes.PATH + "/{webhook_id}/replay",
                    "Webhooks",
                    "Queue a time range of"
                            + " events again for this webhook, in order, with their own ids: {since_unix, until_unix?,"
                            + " event_types?, batch_call_id?, only?: failed|all} -> {queued}",
                    true,
                    "object"),
            new OpenApiOperation(
                    "post",
                    WebhookRoutes.PATH + "/{webhook_id}/rotate-secret",
                    "Webhooks",
                    "A new secret"
                            + " (shown once); the old one keeps signing until previous_secret_expires_at_unix (webhook-signature"
                            + " carries both; ElevenLabs-Signature keeps the old one)",
                    true,
                    "object"),
            new OpenApiOperation(
                    "post",
                    WebhookRoutes.PATH + "/{webhook_id}/rotate-secret/complete",
                    "Webhooks",
                    "End the" + " rotation now: only the new secret signs",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get",
                    WebhookRoutes.FEED,
                    "Webhooks",
                    "The pull feed of events in commit order:"
                            + " cursor, type (exact or batch.*, recipient.*), batch_call_id, page_size -> {events:[{seq,"
                            + " event_id, type, occurred_at_unix, batch_call_id, recipient_id, conversation_id, event}],"
                            + " next_cursor, has_more}",
                    true,
                    "object"));
}
