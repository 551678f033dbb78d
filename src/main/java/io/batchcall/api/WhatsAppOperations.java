package io.batchcall.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** Ours for WhatsApp: importing an account, the webhook Meta calls for each, and the account's secrets. */
final class WhatsAppOperations {
    private WhatsAppOperations() {}

    /** Importing an account, and the webhook Meta calls for each. */
    static final List<OpenApiOperation> ALL = List.of(
            new OpenApiOperation(
                    "post",
                    WhatsAppAccountRoutes.IMPORT_PATH,
                    "WhatsApp",
                    "Import a WhatsApp Business account: {phone_number_id, phone_number (E.164), business_account_id,"
                            + " business_account_name?, phone_number_name?, access_token, app_secret, verify_token,"
                            + " assigned_agent_id?} -> GetWhatsAppAccountResponse; 409 when the phone_number_id is"
                            + " imported already. Secrets are stored encrypted and never returned",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get",
                    WhatsAppWebhookRoutes.PATH + "/{phone_number_id}",
                    "WhatsApp",
                    "Meta's webhook verification: hub.mode=subscribe and hub.verify_token = the account's verify"
                            + " token -> 200 with hub.challenge; 403 otherwise",
                    false,
                    "text"),
            new OpenApiOperation(
                    "post",
                    WhatsAppWebhookRoutes.PATH + "/{phone_number_id}",
                    "WhatsApp",
                    "Meta's calls and messages webhooks for the account, signed with X-Hub-Signature-256 (HMAC-SHA256"
                            + " of the raw body under the app secret; 401 otherwise); stored, deduplicated, handled"
                            + " after the 200",
                    false,
                    "object"));

    /** The account update's secret fields, each marked as ours. */
    static void extendSchemas(ObjectNode schemas) {
        for (var secret : WhatsAppAccountRoutes.SECRETS) {
            SchemaExtensions.extend(
                    schemas,
                    "UpdateWhatsAppAccountRequest",
                    secret,
                    "string",
                    "Rotates the account's " + secret + " (stored encrypted, never returned); absent keeps it");
        }
    }
}
