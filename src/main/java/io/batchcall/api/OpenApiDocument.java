package io.batchcall.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.1 document of the whole API, served at {@code /openapi.json}. The compatible endpoints come from
 * the public ElevenLabs specification subsets shipped in the jar, unchanged but for our extension fields; every
 * other route is described here and marked {@code x-batchcall-extension: true}. A test fails when a route of the
 * server is missing from it.
 */
final class OpenApiDocument {
    private static final Pattern PATH_PARAMETER = Pattern.compile("\\{([a-z_]+)}");

    private OpenApiDocument() {}

    /** One of our own operations, described briefly. */
    record Operation(String method, String path, String tag, String summary, boolean needsApiKey, String response) {}

    /** Routes beyond the ElevenLabs subsets: their agents and conversations subset, our extensions and ours. */
    static final List<Operation> OWN_OPERATIONS = List.of(
            new Operation(
                    "get",
                    "/health",
                    "Operations",
                    "Liveness: 200 while the process serves HTTP, with this build's version",
                    false,
                    "{\"status\":\"ok\",\"version\":\"0.1.0\"}"),
            new Operation(
                    "get",
                    "/ready",
                    "Operations",
                    "Readiness: the database answers and is fully migrated",
                    false,
                    "{\"status\":\"ready\"}"),
            new Operation("get", "/metrics", "Operations", "Prometheus metrics (text format)", false, "text"),
            new Operation("get", "/openapi.json", "Operations", "This document", false, "object"),
            new Operation(
                    "get",
                    "/v1/batchcall/workspace",
                    "Workspace",
                    "The workspace an API key belongs to",
                    true,
                    "object"),
            new Operation(
                    "patch",
                    "/v1/batchcall/workspace",
                    "Workspace",
                    "Set dispatch_paused (boolean): the"
                            + " workspace's emergency stop; while true no batch of the workspace dials",
                    true,
                    "object"),
            new Operation(
                    "get",
                    "/v1/batchcall/workspace/calling-window",
                    "Calling windows",
                    "The workspace's default calling window (or null) and its jurisdiction_rules"
                            + " (enforce|warn|off)",
                    true,
                    "{\"calling_window\":null,\"jurisdiction_rules\":\"enforce\"}"),
            new Operation(
                    "put",
                    "/v1/batchcall/workspace/calling-window",
                    "Calling windows",
                    "Set the default window and/or jurisdiction_rules: {calling_window, jurisdiction_rules}, or the"
                            + " window object itself",
                    true,
                    "object"),
            new Operation(
                    "delete",
                    "/v1/batchcall/workspace/calling-window",
                    "Calling windows",
                    "Remove the workspace's default window (jurisdiction_rules stay)",
                    true,
                    "object"),
            new Operation(
                    "get",
                    "/v1/batchcall/agents/{agent_id}/calling-window",
                    "Calling windows",
                    "The agent's default calling window (or null); it wins over the workspace's",
                    true,
                    "{\"calling_window\":null}"),
            new Operation(
                    "put",
                    "/v1/batchcall/agents/{agent_id}/calling-window",
                    "Calling windows",
                    "Set the agent's default window: {calling_window} or the window object itself",
                    true,
                    "object"),
            new Operation(
                    "delete",
                    "/v1/batchcall/agents/{agent_id}/calling-window",
                    "Calling windows",
                    "Remove the agent's default window",
                    true,
                    "object"),
            new Operation(
                    "get",
                    "/v1/batchcall/workspace/frequency-caps",
                    "Workspace",
                    "The workspace's frequency caps: {frequency_caps: [{max, per_seconds}]}, counted on the attempts"
                            + " to each number across every batch and single call of the workspace",
                    true,
                    "object"),
            new Operation(
                    "put",
                    "/v1/batchcall/workspace/frequency-caps",
                    "Workspace",
                    "Replace the frequency caps: {frequency_caps: [{max: 1..1000, per_seconds: 60..31536000}]}, at"
                            + " most 5 ([] removes them); a capped recipient waits (hold_reason frequency_cap), or is"
                            + " skipped (frequency_cap_exhausted) when the cap releases it after its window expires",
                    true,
                    "object"),
            new Operation(
                    "get",
                    RetryPolicyRoutes.WORKSPACE_PATH,
                    "Campaign rules",
                    "The workspace's default retry policy: {retry_policy: object|null}",
                    true,
                    "object"),
            new Operation(
                    "put",
                    RetryPolicyRoutes.WORKSPACE_PATH,
                    "Campaign rules",
                    "Set the workspace's default retry policy (the body is the policy: max_attempts 1..20, retry_on,"
                            + " delay_seconds per outcome or backoff, deadline_unix); batches submitted later without"
                            + " retry_policy get it",
                    true,
                    "object"),
            new Operation(
                    "delete",
                    RetryPolicyRoutes.WORKSPACE_PATH,
                    "Campaign rules",
                    "Remove the workspace's default retry policy",
                    true,
                    "object"),
            new Operation(
                    "get",
                    RetryPolicyRoutes.AGENT_PATH,
                    "Campaign rules",
                    "The agent's default retry policy: {retry_policy: object|null}",
                    true,
                    "object"),
            new Operation(
                    "put",
                    RetryPolicyRoutes.AGENT_PATH,
                    "Campaign rules",
                    "Set the agent's default retry policy (the body is the policy: max_attempts 1..20, retry_on,"
                            + " delay_seconds per outcome or backoff, deadline_unix); batches submitted later without"
                            + " retry_policy get it",
                    true,
                    "object"),
            new Operation(
                    "delete",
                    RetryPolicyRoutes.AGENT_PATH,
                    "Campaign rules",
                    "Remove the agent's default retry policy",
                    true,
                    "object"),
            new Operation(
                    "post",
                    "/v1/convai/batch-calling/{batch_id}/pause",
                    "Batch calling",
                    "Pause a batch: no"
                            + " new dial starts on any node once this returns; calls in progress finish. Answers the batch"
                            + " with paused true (status keeps its ElevenLabs value). 409 batch_already_finished",
                    true,
                    "object"),
            new Operation(
                    "post",
                    "/v1/convai/batch-calling/{batch_id}/resume",
                    "Batch calling",
                    "Resume a paused" + " batch where it stopped. 409 batch_already_finished",
                    true,
                    "object"),
            new Operation(
                    "patch",
                    "/v1/convai/batch-calling/{batch_id}",
                    "Batch calling",
                    "Edit a batch: name,"
                            + " target_concurrency_limit (null clears), scheduled_time_unix (before it starts, else 409"
                            + " batch_already_started), telephony_call_config.ringing_timeout_secs, retry_policy (our"
                            + " extension; null removes it), calling_window (null clears; recipients held outside_window"
                            + " or holiday are judged again); applies to the next dial. agent_id, agent_phone_number_id,"
                            + " phone_number_id: 409 field_immutable",
                    true,
                    "object"),
            new Operation(
                    "post",
                    "/v1/convai/batch-calling/{batch_id}/recipients",
                    "Batch calling",
                    "Append"
                            + " recipients {recipients:[...]} (validated as submit; duplicates of the batch's recipients"
                            + " and more than 10,000 in all are a 422). 409 batch_already_finished",
                    true,
                    "object"),
            new Operation(
                    "post",
                    "/v1/convai/batch-calling/{batch_id}/recipients/{recipient_id}/cancel",
                    "Batch calling",
                    "Cancel one recipient: pending ones are never dialed, a ringing call is"
                            + " cancelled, an answered one finishes. 409 recipient_already_finished",
                    true,
                    "object"),
            new Operation(
                    "post",
                    "/admin/v1/workspaces",
                    "Admin",
                    "Create a workspace and its first API key (shown"
                            + " once); Authorization: Bearer BATCHCALL_ADMIN_TOKEN",
                    false,
                    "object"),
            new Operation(
                    "get",
                    "/admin/v1/workspaces",
                    "Admin",
                    "List workspaces with their keys (never the keys" + " themselves)",
                    false,
                    "object"),
            new Operation("get", "/admin/v1/workspaces/{workspace_id}", "Admin", "One workspace", false, "object"),
            new Operation(
                    "patch",
                    "/admin/v1/workspaces/{workspace_id}",
                    "Admin",
                    "Change name or concurrency_limit",
                    false,
                    "object"),
            new Operation(
                    "post",
                    "/admin/v1/workspaces/{workspace_id}/api-keys",
                    "Admin",
                    "Issue another API key",
                    false,
                    "object"),
            new Operation(
                    "delete",
                    "/admin/v1/workspaces/{workspace_id}/api-keys/{key_id}",
                    "Admin",
                    "Revoke an API key at once",
                    false,
                    "none"),
            new Operation(
                    "post",
                    "/v1/convai/agents/create",
                    "Agents",
                    "Create an agent (name optional;"
                            + " conversation_config and platform_settings stored as given, platform_settings.call_limits"
                            + " enforced); returns {agent_id}",
                    true,
                    "object"),
            new Operation(
                    "get", "/v1/convai/agents", "Agents", "List agents, newest first, cursor paging", true, "object"),
            new Operation(
                    "get",
                    "/v1/convai/agents/{agent_id}",
                    "Agents",
                    "One agent, with platform_settings"
                            + " (call_limits as in force) and our extension fields concurrency_limit, phone_number_id,"
                            + " media_stream_url, sip_uri, daily_usage {daily_limit, calls_in_last_24h, limit_reached,"
                            + " next_call_allowed_at_unix}",
                    true,
                    "object"),
            new Operation("patch", "/v1/convai/agents/{agent_id}", "Agents", "Change an agent", true, "object"),
            new Operation(
                    "delete",
                    "/v1/convai/agents/{agent_id}",
                    "Agents",
                    "Delete an agent (409 while one of its" + " batches is pending or running)",
                    true,
                    "object"),
            new Operation(
                    "get", "/v1/convai/agents/{agent_id}/branches", "Agents", "An agent's branches", true, "object"),
            new Operation(
                    "post",
                    "/v1/convai/agents/{agent_id}/branches",
                    "Agents",
                    "Create a branch; returns" + " {created_branch_id, created_version_id} and the branch's summary",
                    true,
                    "object"),
            new Operation(
                    "get",
                    "/v1/convai/v2/phone-numbers",
                    "Phone numbers",
                    "List phone numbers a page at a"
                            + " time: page_size (at most 100), cursor, search (id exactly, or label or number containing it,"
                            + " ignoring case), label, phone_number, provider, supports_outbound, agent_id, branch_id,"
                            + " sort_by (label, phone_number; creation order when absent), sort_direction -> {phone_numbers,"
                            + " next_cursor, has_more}",
                    true,
                    "object"),
            new Operation(
                    "get",
                    AgentTokens.PATH + "/{conversation_id}",
                    "Agent side of a call",
                    "What the agent"
                            + " needs to know about its call: conversation_initiation_client_data, batch and recipient ids,"
                            + " the called number. Authorization: Bearer <the token its call carried>; no API key",
                    false,
                    "object"),
            new Operation(
                    "post",
                    AgentTokens.PATH + "/{conversation_id}/report",
                    "Agent side of a call",
                    "The"
                            + " agent reports transcript, analysis and termination_reason (each optional; absent parts"
                            + " keep their values); answers the conversation as GET conversation. Bearer agent token",
                    false,
                    "object"),
            new Operation(
                    "post",
                    "/callbacks/twilio/{workspace_id}/{attempt_id}/{token}",
                    "Provider callbacks",
                    "Twilio status callbacks (form POST, X-Twilio-Signature verified; 403 otherwise)",
                    false,
                    "none"),
            new Operation(
                    "post",
                    "/callbacks/exotel/{workspace_id}/{attempt_id}/{token}",
                    "Provider callbacks",
                    "Exotel status callbacks (form or JSON POST, unsigned: the per-attempt URL token is checked; 403"
                            + " otherwise)",
                    false,
                    "none"),
            new Operation(
                    "get",
                    "/v1/convai/batch-calling/{batch_id}/attempts",
                    "Batch calling",
                    "Every dial of a"
                            + " batch's recipients with timestamps (ms), outcome, provider status and SIP code, and the"
                            + " recipient's local_time, timezone and the policy that allowed the dial; recipient_id"
                            + " narrows it to one recipient",
                    true,
                    "object"),
            new Operation(
                    "post",
                    WebhookRoutes.PATH + "/{webhook_id}/test",
                    "Webhooks",
                    "Send a webhook.test event"
                            + " now and answer the attempt: {event_id, attempt, succeeded, status_code, duration_ms, error_class,"
                            + " error, response_excerpt}",
                    true,
                    "object"),
            new Operation(
                    "get",
                    WebhookRoutes.PATH + "/{webhook_id}/deliveries",
                    "Webhooks",
                    "The webhook's"
                            + " deliveries, newest event first: {deliveries:[{event_id, event_type, state, attempts,"
                            + " next_attempt_at_unix, last_status, last_error, ...}], next_cursor, has_more}; filters state,"
                            + " event_type, batch_call_id; cursor, page_size (at most 100)",
                    true,
                    "object"),
            new Operation(
                    "get",
                    WebhookRoutes.PATH + "/{webhook_id}/deliveries/{event_id}",
                    "Webhooks",
                    "One delivery"
                            + " with every attempt (started_at_unix_ms, duration_ms, status_code, error_class, error,"
                            + " response_excerpt of at most 2 KiB) and the event as sent",
                    true,
                    "object"),
            new Operation(
                    "post",
                    WebhookRoutes.PATH + "/{webhook_id}/deliveries/{event_id}/retry",
                    "Webhooks",
                    "Send one delivery again now (same webhook-id and body, a new timestamp); 409 while it is being"
                            + " sent",
                    true,
                    "object"),
            new Operation(
                    "post",
                    WebhookRoutes.PATH + "/{webhook_id}/replay",
                    "Webhooks",
                    "Queue a time range of"
                            + " events again for this webhook, in order, with their own ids: {since_unix, until_unix?,"
                            + " event_types?, batch_call_id?, only?: failed|all} -> {queued}",
                    true,
                    "object"),
            new Operation(
                    "post",
                    WebhookRoutes.PATH + "/{webhook_id}/rotate-secret",
                    "Webhooks",
                    "A new secret"
                            + " (shown once); the old one keeps signing until previous_secret_expires_at_unix (webhook-signature"
                            + " carries both; ElevenLabs-Signature keeps the old one)",
                    true,
                    "object"),
            new Operation(
                    "post",
                    WebhookRoutes.PATH + "/{webhook_id}/rotate-secret/complete",
                    "Webhooks",
                    "End the" + " rotation now: only the new secret signs",
                    true,
                    "object"),
            new Operation(
                    "get",
                    WebhookRoutes.FEED,
                    "Webhooks",
                    "The pull feed of events in commit order:"
                            + " after_seq, type (exact or batch.*, recipient.*), batch_call_id, page_size -> {events:[{seq,"
                            + " event_id, type, occurred_at_unix, batch_call_id, recipient_id, conversation_id, event}],"
                            + " next_after_seq, has_more}",
                    true,
                    "object"),
            new Operation(
                    "post",
                    RecipientUploadRoutes.PATH,
                    "Batch calling",
                    "Check a CSV or XLSX file of"
                            + " recipients (multipart field file, at most 10 MB and 10,000 rows): answers the recipients"
                            + " shaped as submit takes them, recipient_rows, errors [{row, column, message, value}], counts"
                            + " and columns. Nothing is stored. Past a limit (size: 413; rows, columns, cell length: 422) the file is"
                            + " refused; while the node reads as many uploads as it reads at once, 429 system_busy with"
                            + " Retry-After",
                    true,
                    "object"));

    /** Do-not-call lists and opt-outs (issue 13), apart so that the campaign-rules lists merge cleanly. */
    static final List<Operation> SUPPRESSION_OPERATIONS = List.of(
            new Operation(
                    "post",
                    SuppressionRoutes.LISTS,
                    "Do-not-call",
                    "Create a do-not-call list: {name, agent_id?} (agent_id: it applies to that agent's batches"
                            + " only; 404 agent_not_found)",
                    true,
                    "object"),
            new Operation(
                    "get",
                    SuppressionRoutes.LISTS,
                    "Do-not-call",
                    "The lists, newest first: page_size, cursor -> {suppression_lists, next_cursor, has_more}",
                    true,
                    "object"),
            new Operation(
                    "get",
                    SuppressionRoutes.LISTS + "/{list_id}",
                    "Do-not-call",
                    "One list with its entry_count",
                    true,
                    "object"),
            new Operation(
                    "delete",
                    SuppressionRoutes.LISTS + "/{list_id}",
                    "Do-not-call",
                    "Delete a list and its entries",
                    true,
                    "object"),
            new Operation(
                    "post",
                    SuppressionRoutes.LISTS + "/{list_id}/entries",
                    "Do-not-call",
                    "Import numbers: JSON {numbers: [...], reason?} or a text/csv body (number in the first column,"
                            + " optional header); E.164, prefixes such as +1201*, 10-digit US/Canada numbers. At most"
                            + " 100,000 rows and 10 MB. Answers {added, duplicates, invalid: [{row, value, reason}],"
                            + " invalid_count}; bad rows never fail the import",
                    true,
                    "object"),
            new Operation(
                    "get",
                    SuppressionRoutes.LISTS + "/{list_id}/entries",
                    "Do-not-call",
                    "Export the entries, newest first: JSON pages (page_size, cursor) or, with Accept: text/csv,"
                            + " one CSV that imports back as it is",
                    true,
                    "object"),
            new Operation(
                    "delete",
                    SuppressionRoutes.LISTS + "/{list_id}/entries/{number}",
                    "Do-not-call",
                    "Remove one entry: the number URL-encoded (%2B14155550123), a prefix with its star (%2B1201%2A)",
                    true,
                    "object"),
            new Operation(
                    "get",
                    SuppressionRoutes.CHECK,
                    "Do-not-call",
                    "Would phone_number be called for agent_id's batches? -> {phone_number, suppressed, reason:"
                            + " dnc|opted_out|null, matches: [{list_id|opt_out_id, number, is_prefix, added_at_unix,"
                            + " source}]}",
                    true,
                    "object"),
            new Operation(
                    "post",
                    OptOutRoutes.PATH,
                    "Do-not-call",
                    "Record an opt-out: {phone_number (or conversation_id), agent_id?, reason?, conversation_id?,"
                            + " batch_id?}. Cancels the number's waiting recipients at once; the same opt-out again"
                            + " answers the first (created false)",
                    true,
                    "object"),
            new Operation(
                    "get",
                    OptOutRoutes.PATH,
                    "Do-not-call",
                    "Export opt-outs, newest first: since (unix), page_size, cursor -> {opt_outs, next_cursor,"
                            + " has_more}",
                    true,
                    "object"),
            new Operation(
                    "post",
                    AgentTokens.PATH + "/{conversation_id}/opt-out",
                    "Agent side of a call",
                    "The agent opts its callee out (the conversation's number, every agent of the workspace):"
                            + " {reason?}. Bearer agent token",
                    false,
                    "object"));

    /** Paths from ElevenLabs' specification whose operations are ElevenLabs' own (agents and conversations too). */
    private static final List<String> ELEVENLABS_PATH_PREFIXES =
            List.of("/v1/convai/agents", "/v1/convai/conversations", "/v1/convai/v2/phone-numbers");
    /** Where the fields that are newer than the specification subsets come from. */
    private static final String SDK_SOURCE = "@elevenlabs/elevenlabs-js 2.73.0";

    /** ElevenLabs' WhatsApp messaging: this server places calls, it does not send messages. */
    private static final String WHATSAPP_MESSAGE_PATH = "/v1/convai/whatsapp/outbound-message";

    /** Ours for WhatsApp: importing an account, and the webhook Meta calls for each. */
    static final List<Operation> WHATSAPP_OPERATIONS = List.of(
            new Operation(
                    "post",
                    WhatsAppAccountRoutes.IMPORT_PATH,
                    "WhatsApp",
                    "Import a WhatsApp Business account: {phone_number_id, phone_number (E.164), business_account_id,"
                            + " business_account_name?, phone_number_name?, access_token, app_secret, verify_token,"
                            + " assigned_agent_id?} -> GetWhatsAppAccountResponse; 409 when the phone_number_id is"
                            + " imported already. Secrets are stored encrypted and never returned",
                    true,
                    "object"),
            new Operation(
                    "get",
                    WhatsAppWebhookRoutes.PATH + "/{phone_number_id}",
                    "WhatsApp",
                    "Meta's webhook verification: hub.mode=subscribe and hub.verify_token = the account's verify"
                            + " token -> 200 with hub.challenge; 403 otherwise",
                    false,
                    "text"),
            new Operation(
                    "post",
                    WhatsAppWebhookRoutes.PATH + "/{phone_number_id}",
                    "WhatsApp",
                    "Meta's calls and messages webhooks for the account, signed with X-Hub-Signature-256 (HMAC-SHA256"
                            + " of the raw body under the app secret; 401 otherwise); stored, deduplicated, handled"
                            + " after the 200",
                    false,
                    "object"));

    static ObjectNode build() {
        var document = (ObjectNode) read("/openapi/elevenlabs-batch-calling.openapi.json");
        var paths = (ObjectNode) document.get("paths");
        var schemas = (ObjectNode) document.get("components").get("schemas");
        for (var subset : List.of(
                "/openapi/elevenlabs-phone-numbers.openapi.json",
                "/openapi/elevenlabs-webhooks.openapi.json",
                "/openapi/elevenlabs-outbound-calls.openapi.json")) {
            var other = read(subset);
            // The outbound-calls subset also has ElevenLabs' WhatsApp messaging, which this server does not serve.
            other.get("paths").properties().stream()
                    .filter(path -> !path.getKey().equals(WHATSAPP_MESSAGE_PATH))
                    .forEach(path -> paths.set(path.getKey(), path.getValue()));
            // Shared schemas (HTTPValidationError, ...) are the same in every subset; the first one read stays.
            other.get("components").get("schemas").properties().forEach(entry -> {
                if (!schemas.has(entry.getKey())) {
                    schemas.set(entry.getKey(), entry.getValue());
                }
            });
        }
        document.put("openapi", "3.1.0");
        document.set(
                "info",
                Json.MAPPER
                        .createObjectNode()
                        .put("title", "batchcall")
                        .put("version", "1")
                        .put(
                                "description",
                                "Self-hosted batch calling, wire-compatible with ElevenLabs' batch calling API."
                                        + " Compatible operations are ElevenLabs' own (from their public OpenAPI document); ours are"
                                        + " marked x-batchcall-extension: true, as are extension fields in compatible schemas."));
        document.set(
                "servers",
                Json.MAPPER.createArrayNode().add(Json.MAPPER.createObjectNode().put("url", "/")));
        ((ObjectNode) document.get("components"))
                .set(
                        "securitySchemes",
                        Json.MAPPER
                                .createObjectNode()
                                .<ObjectNode>set(
                                        "ApiKey",
                                        Json.MAPPER
                                                .createObjectNode()
                                                .put("type", "apiKey")
                                                .put("in", "header")
                                                .put("name", "xi-api-key"))
                                .set(
                                        "Bearer",
                                        Json.MAPPER
                                                .createObjectNode()
                                                .put("type", "http")
                                                .put("scheme", "bearer")));
        extendSchemas(schemas);
        extendForSuppression(schemas);
        for (var secret : WhatsAppAccountRoutes.SECRETS) {
            extend(
                    schemas,
                    "UpdateWhatsAppAccountRequest",
                    secret,
                    "string",
                    "Rotates the account's " + secret + " (stored encrypted, never returned); absent keeps it");
        }
        newerThanTheSubsets(paths, schemas);
        for (var operation : java.util.stream.Stream.of(OWN_OPERATIONS, SUPPRESSION_OPERATIONS, WHATSAPP_OPERATIONS)
                .flatMap(List::stream)
                .toList()) {
            var path = paths.has(operation.path())
                    ? (ObjectNode) paths.get(operation.path())
                    : paths.putObject(operation.path());
            path.set(operation.method(), describe(operation));
        }
        markSingleCallLimits(paths);
        addConversations(paths, schemas);
        ((ObjectNode) paths.get(RecipientUploadRoutes.PATH).get("post"))
                .putObject("requestBody")
                .put("required", true)
                .putObject("content")
                .putObject("multipart/form-data")
                .putObject("schema")
                .put("type", "object")
                .<ObjectNode>set("required", Json.MAPPER.createArrayNode().add("file"))
                .putObject("properties")
                .putObject("file")
                .put("type", "string")
                .put("format", "binary");
        return document;
    }

    private static ObjectNode describe(Operation operation) {
        var node = Json.MAPPER.createObjectNode();
        node.putArray("tags").add(operation.tag());
        node.put("summary", operation.summary());
        boolean elevenLabs = ELEVENLABS_PATH_PREFIXES.stream().anyMatch(operation.path()::startsWith);
        if (!elevenLabs) {
            node.put("x-batchcall-extension", true);
        }
        var parameters = node.putArray("parameters");
        var matcher = PATH_PARAMETER.matcher(operation.path());
        while (matcher.find()) {
            parameters
                    .addObject()
                    .put("name", matcher.group(1))
                    .put("in", "path")
                    .put("required", true)
                    .putObject("schema")
                    .put("type", "string");
        }
        if (operation.needsApiKey()) {
            node.putArray("security").addObject().putArray("ApiKey");
        } else if (operation.path().startsWith("/admin") || operation.path().startsWith(AgentTokens.PATH)) {
            node.putArray("security").addObject().putArray("Bearer");
        }
        var responses = node.putObject("responses");
        switch (operation.response()) {
            case "none" -> responses.putObject("204").put("description", "Done, no body");
            case "text" ->
                responses
                        .putObject("200")
                        .put("description", "OK")
                        .putObject("content")
                        .putObject("text/plain")
                        .putObject("schema")
                        .put("type", "string");
            default ->
                responses
                        .putObject("200")
                        .put("description", "OK")
                        .putObject("content")
                        .putObject("application/json")
                        .putObject("schema")
                        .put("type", "object");
        }
        responses
                .putObject("422")
                .put("description", "Validation error")
                .putObject("content")
                .putObject("application/json")
                .putObject("schema")
                .put("$ref", "#/components/schemas/HTTPValidationError");
        return node;
    }

    /**
     * ElevenLabs does not document what a single outbound call answers when the limits are full; ours is a 429
     * at once (never a silent queue), marked as our extension. A simulator number is accepted on every route.
     */
    private static void markSingleCallLimits(ObjectNode paths) {
        for (var path : List.of(
                "/v1/convai/twilio/outbound-call",
                "/v1/convai/sip-trunk/outbound-call",
                "/v1/convai/exotel/outbound-call")) {
            var post = (ObjectNode) paths.get(path).get("post");
            post.put(
                    "x-batchcall-notes",
                    "Waits until the provider takes the call (its id) or refuses it"
                            + " (success false with the reason), at most the ringing timeout plus 15 seconds. A number of"
                            + " another provider is a 400 phone_number_provider_mismatch; a simulator number stands in for"
                            + " any provider.");
            ((ObjectNode) post.get("responses"))
                    .putObject("429")
                    .put(
                            "description",
                            "The workspace's or the"
                                    + " agent's concurrency limit is full (counting single calls not placed yet): nothing was"
                                    + " stored or dialed; try again after Retry-After (code concurrency_limit_reached)")
                    .put("x-batchcall-extension", true);
        }
    }

    /**
     * ElevenLabs' conversation operations this server serves, from their subset (the rest of it, tags, feedback,
     * files, ..., is not served), with our batch_call_id filter and the filters refused with a 422 marked.
     */
    private static void addConversations(ObjectNode paths, ObjectNode schemas) {
        var subset = read("/openapi/elevenlabs-conversations.openapi.json");
        var served = Map.of(
                ConversationRoutes.PATH,
                List.of("get"),
                ConversationRoutes.PATH + "/{conversation_id}",
                List.of("get", "delete"),
                ConversationRoutes.PATH + "/{conversation_id}/audio",
                List.of("get"));
        served.forEach((path, methods) -> {
            var item = paths.putObject(path);
            methods.forEach(method ->
                    item.set(method, subset.get("paths").get(path).get(method).deepCopy()));
        });
        subset.get("components").get("schemas").properties().forEach(entry -> {
            if (!schemas.has(entry.getKey())) {
                schemas.set(entry.getKey(), entry.getValue());
            }
        });
        extend(
                schemas,
                "GetConversationResponseModel",
                "call_successful",
                "string",
                "The same as" + " analysis.call_successful, kept at the top level for older clients");
        var list = (ObjectNode) paths.get(ConversationRoutes.PATH).get("get");
        var parameters = (com.fasterxml.jackson.databind.node.ArrayNode) list.get("parameters");
        parameters.forEach(parameter -> {
            var why = ConversationListQuery.REFUSED.get(parameter.get("name").asText());
            if (why != null) {
                ((ObjectNode) parameter).put("x-batchcall-notes", "Refused with a 422: " + why);
            }
        });
        // The official SDK (2.73.0) sends this one, which ElevenLabs' public document does not list yet.
        parameters
                .addObject()
                .put("name", "dynamic_variable_params")
                .put("in", "query")
                .put("required", false)
                .put(
                        "description",
                        "Dynamic variable filters. Repeat param. Format: name:op:value where op is one"
                                + " of eq|neq|gt|gte|lt|lte|in (as the official SDK documents it)")
                .put("x-batchcall-notes", "Sent by the official SDK; not in ElevenLabs' public document")
                .putObject("schema")
                .put("type", "array")
                .putObject("items")
                .put("type", "string");
        parameters
                .addObject()
                .put("name", "batch_call_id")
                .put("in", "query")
                .put("required", false)
                .put("description", "Only the conversations of this batch call")
                .put("x-batchcall-extension", true)
                .putObject("schema")
                .put("type", "string");
        list.put(
                "x-batchcall-notes",
                "Start bounds are a half-open window [call_start_after_unix,"
                        + " call_start_before_unix); duration bounds are inclusive.");
        ((ObjectNode) paths.get(ConversationRoutes.PATH + "/{conversation_id}")
                        .get("delete")
                        .get("responses"))
                .putObject("409")
                .put("description", "The conversation's call has not ended" + " (conversation_in_progress)")
                .put("x-batchcall-extension", true);
        ((ObjectNode) paths.get(ConversationRoutes.PATH + "/{conversation_id}/audio")
                        .get("get")
                        .get("responses"))
                .putObject("404")
                .put(
                        "description",
                        "No recording (audio_not_found): only Twilio calls made with"
                                + " call recording enabled have one, streamed from Twilio")
                .put("x-batchcall-extension", true);
    }

    /**
     * ElevenLabs' own fields that its official SDK has and the specification subsets do not yet (the batch-calling
     * subset's description lists them): marked with where they come from, not as our extensions.
     */
    private static void newerThanTheSubsets(ObjectNode paths, ObjectNode schemas) {
        if (schemas.get("TelephonyCallConfig") instanceof ObjectNode config
                && config.get("properties") instanceof ObjectNode properties) {
            var detection = properties.putObject("twilio_machine_detection");
            detection
                    .put("title", "Twilio Machine Detection")
                    .put(
                            "description",
                            "Answering-machine detection for"
                                    + " Twilio calls, asynchronous (the conversation is never delayed); the verdict is recorded on"
                                    + " the attempt and sent as a call.machine_detected event, and a machine makes the outcome"
                                    + " voicemail when the call ends")
                    .put("x-batchcall-source", SDK_SOURCE);
            var anyOf = detection.putArray("anyOf");
            var object = anyOf.addObject().put("type", "object");
            object.putObject("properties")
                    .putObject("mode")
                    .put("type", "string")
                    .put("default", "enable")
                    .putArray("enum")
                    .add("enable")
                    .add("detect_message_end");
            anyOf.addObject().put("type", "null");
        }
        if (paths.get("/v1/convai/batch-calling/{batch_id}/export") instanceof ObjectNode export
                && export.get("get") instanceof ObjectNode get) {
            var parameters = get.has("parameters")
                    ? (com.fasterxml.jackson.databind.node.ArrayNode) get.get("parameters")
                    : get.putArray("parameters");
            parameters
                    .addObject()
                    .put("name", "limit")
                    .put("in", "query")
                    .put("required", false)
                    .put("description", "At most this many recipients, in the batch's order")
                    .put("x-batchcall-source", SDK_SOURCE)
                    .putObject("schema")
                    .put("type", "integer")
                    .put("minimum", 1);
        }
    }

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
    private static void extendSchemas(ObjectNode schemas) {
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
    private static void extendForSuppression(ObjectNode schemas) {
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

    private static void extend(ObjectNode schemas, String model, String field, String type, String description) {
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

    private static JsonNode read(String resource) {
        try (var in = OpenApiDocument.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
