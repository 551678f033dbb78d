package io.batchcall.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** Our extension fields in ElevenLabs' compatible schemas, each marked {@code x-batchcall-extension: true}. */
final class SchemaExtensions {
    private SchemaExtensions() {}

    /** Calling windows: the submit's {@code calling_window} and each recipient's time zone and region. */
    private static void extendCallingWindows(ObjectNode schemas) {
        extend(
                schemas,
                "Body_Submit_a_batch_call_request__v1_convai_batch_calling_submit_post",
                "calling_window",
                "object",
                "Local hours in which calls may start, per recipient zone: {days, start, end} or {hours: {mon:"
                        + " [[\"09:00\",\"12:00\"]]}}, holidays ({country, subdivision} or \"auto\"), blackout_dates,"
                        + " expires_at_unix, purpose (telemarketing|informational|collections|survey: legal presets),"
                        + " min_slot_seconds, unknown_timezone (hold|skip). Absent: the agent's default, else the"
                        + " workspace's (/v1/batchcall/.../calling-window)");
        // Its values are lists and objects, not the strings extend() assumes for an object.
        if (schemas.at(
                        "/Body_Submit_a_batch_call_request__v1_convai_batch_calling_submit_post/properties/calling_window")
                instanceof ObjectNode window) {
            window.remove("additionalProperties");
        }
        extend(
                schemas,
                "OutboundCallRecipient",
                "timezone",
                "string",
                "The recipient's IANA time zone for calling windows; else its timezone dynamic variable, its"
                        + " number's zones, the batch's timezone");
        extend(
                schemas,
                "OutboundCallRecipient",
                "region",
                "string",
                "ISO 3166-1 country or 3166-2 subdivision (US-FL): picks legal presets and \"auto\" holidays");
    }

    /** Our extension fields, added to the compatible schemas and marked. */
    static void extendSchemas(ObjectNode schemas) {
        extendCallingWindows(schemas);
        extend(
                schemas,
                "BatchCallResponse",
                "failure_reason",
                "string",
                "Why the batch failed (only for status failed)");
        extend(
                schemas,
                "BatchCallDetailedResponse",
                "failure_reason",
                "string",
                "Why the batch failed (only for status failed)");
        for (var model : List.of("BatchCallResponse", "BatchCallDetailedResponse")) {
            extend(
                    schemas,
                    model,
                    "paused",
                    "boolean",
                    "Whether the batch is paused (no new dial starts); its" + " status keeps its ElevenLabs value");
            extend(schemas, model, "paused_at_unix", "integer", "When the batch was paused, or null");
        }
        extend(
                schemas,
                "BatchCallDetailedResponse",
                "hold_reason",
                "string",
                "Why a running batch's due" + " recipients wait: its agent's daily_limit is reached (null otherwise)");
        extend(
                schemas,
                "Body_Submit_a_batch_call_request__v1_convai_batch_calling_submit_post",
                "retry_policy",
                "object",
                "Automatic retries: {max_attempts, retry_on, delay_seconds | backoff, deadline_unix}; absent:"
                        + " the agent's default, else the workspace's (see /v1/batchcall/workspace/retry-policy)");
        extend(
                schemas,
                "BatchCallDetailedResponse",
                "next_window_opens_at_unix",
                "integer",
                "When the next calling window opens for a recipient held outside its window, or null");
        extend(
                schemas,
                "BatchCallDetailedResponse",
                "waiting_recipients",
                "integer",
                "How many pending recipients are held (retry back-off, calling window, cap, unknown zone)");
        for (var field : List.of(
                "hold_reason|string|Why a pending recipient waits: retry_backoff, outside_window, holiday,"
                        + " frequency_cap, timezone_unknown, whatsapp_permission (waiting for the WhatsApp user's"
                        + " reply to the permission request), whatsapp_limit (one of Meta's per-user limits);"
                        + " null when it does not",
                "skip_reason|string|Why a cancelled recipient was never dialed: dnc, opted_out, window_expired,"
                        + " frequency_cap_exhausted, timezone_unknown; null otherwise",
                "next_attempt_at_unix|integer|When a held recipient may be dialed next, or null",
                "timezone|string|The recipient's time zone: the first resolved one, else the one given, or null",
                "timezones|array|Every zone the rules resolved for the recipient (a window must be open in all)",
                "timezone_source|string|Where the zone came from: recipient, variable, number or batch",
                "region|string|The recipient's region as given (ISO 3166-1 or 3166-2), or null")) {
            var parts = field.split("\\|", 3);
            extend(schemas, "OutboundCallRecipientResponseModel", parts[0], parts[1], parts[2]);
        }
        extend(
                schemas,
                "OutboundCallRecipientResponseModel",
                "attempt_count",
                "integer",
                "How many times the recipient was dialed");
        extend(
                schemas,
                "OutboundCallRecipientResponseModel",
                "last_outcome",
                "string",
                "How the last attempt ended: completed, busy, no_answer, voicemail, failed, cancelled, interrupted");
        for (var model : List.of(
                "CreateTwilioPhoneNumberRequest",
                "CreateExotelPhoneNumberRequest",
                "CreateSIPTrunkPhoneNumberRequestV2",
                "UpdatePhoneNumberRequest",
                "GetPhoneNumberTwilioResponseModel",
                "GetPhoneNumberExotelResponseModel",
                "GetPhoneNumberSIPTrunkResponseModel")) {
            extend(schemas, model, "cps", "number", "Calls per second this number may start, across all nodes");
        }
        for (var field : List.of(
                "sid|string|Twilio: the account SID calls are placed with (a new one moves the number)",
                "token|string|Twilio: a new auth token, for the next dial and the next callbacks (never returned)",
                "region_config|object|Twilio: region_id, edge_location and token as on create; null removes the region",
                "account_sid|string|Exotel: the account SID calls are placed with",
                "api_key|string|Exotel: a new API key (never returned)",
                "api_token|string|Exotel: a new API token (never returned)",
                "api_subdomain|string|Exotel: the account's API subdomain",
                "app_id|string|Exotel: the app (flow) a connected call runs",
                "applet_url|string|Exotel: the applet URL a connected call runs")) {
            var parts = field.split("\\|", 3);
            extend(schemas, "UpdatePhoneNumberRequest", parts[0], parts[1], parts[2]);
        }
        var eventTypes = "batchcall events this webhook receives: exact types (batch.completed, recipient.failed,"
                + " ..., call.machine_detected) or the wildcards batch.*, recipient.*, call.*, webhook.*, *";
        for (var model : List.of(
                "WebhookHMACSettings",
                "Body_Update_workspace_webhook_v1_workspace_webhooks__webhook_id__patch",
                "WorkspaceWebhookResponseModel")) {
            extend(schemas, model, "event_types", "array", eventTypes);
        }
        extend(
                schemas,
                "WebhookHMACSettings",
                "retry_enabled",
                "boolean",
                "Retry failed deliveries for about 3 days" + " (default true); false means one attempt");
        extend(
                schemas,
                "Body_Update_workspace_webhook_v1_workspace_webhooks__webhook_id__patch",
                "webhook_url",
                "string",
                "A new URL for the webhook");
        extend(
                schemas,
                "WorkspaceWebhookResponseModel",
                "retry_enabled",
                "boolean",
                "Whether failed deliveries" + " are retried");
        extend(
                schemas,
                "WorkspaceWebhookResponseModel",
                "request_headers",
                "object",
                "Headers sent with every" + " delivery");
        extend(
                schemas,
                "WorkspaceWebhookResponseModel",
                "disabled_reason",
                "string",
                "Why it was disabled" + " automatically: failures (ElevenLabs' rule) or gone (it answered 410)");
        extend(
                schemas,
                "WorkspaceWebhookResponseModel",
                "previous_secret_expires_at_unix",
                "integer",
                "While a" + " rotation lasts: when the previous secret stops signing");
    }

    /** Submit's do-not-call extensions: the request's suppressed mode, the response's count. */
    static void extendForSuppression(ObjectNode schemas) {
        extend(
                schemas,
                "Body_Submit_a_batch_call_request__v1_convai_batch_calling_submit_post",
                "suppressed",
                "string",
                "skip (default): recipients on a do-not-call list or opted out are stored and cancelled when"
                        + " reached; refuse: a 422 naming each of them, nothing stored");
        extend(
                schemas,
                "BatchCallResponse",
                "suppressed_recipients",
                "integer",
                "Submit only: how many recipients are on a do-not-call list or opted out (they will not be"
                        + " called)");
    }

    static void extend(ObjectNode schemas, String model, String field, String type, String description) {
        var schema = schemas.get(model);
        if (schema instanceof ObjectNode object && object.get("properties") instanceof ObjectNode properties) {
            var property = properties
                    .putObject(field)
                    .put("type", type)
                    .put("description", description)
                    .put("x-batchcall-extension", true);
            switch (type) {
                case "array" -> property.putObject("items").put("type", "string");
                case "object" -> property.putObject("additionalProperties").put("type", "string");
                default -> {}
            }
        }
    }
}
