package io.batchcall.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Stream;

/**
 * The OpenAPI 3.1 document of the whole API, served at {@code /openapi.json}. The compatible endpoints come from
 * the public ElevenLabs specification subsets shipped in the jar, unchanged but for our extension fields; every
 * other route is described here and marked {@code x-batchcall-extension: true}. A test fails when a route of the
 * server is missing from it.
 *
 * <p>This class merges the subsets and composes the rest, each area in its own class: our operations
 * ({@link WorkspaceOperations}, {@link BatchCallingOperations}, {@link AgentOperations}, {@link WebhookOperations},
 * {@link SuppressionOperations}, {@link WhatsAppOperations}), our fields in compatible schemas
 * ({@link SchemaExtensions}), and notes on ElevenLabs' own operations ({@link CompatibleOperationNotes},
 * {@link ConversationOperations}).
 */
final class OpenApiDocument {
    private OpenApiDocument() {}

    /**
     * Routes beyond the ElevenLabs subsets: their agents and conversations subset, our extensions and ours. The
     * document lists paths in the order they are first added, so this order is the order of /openapi.json.
     */
    static final List<OpenApiOperation> OWN_OPERATIONS = Stream.of(
                    WorkspaceOperations.SERVICE_AND_SETTINGS,
                    BatchCallingOperations.CONTROL,
                    WorkspaceOperations.ADMIN,
                    AgentOperations.AGENTS_AND_NUMBERS,
                    AgentOperations.CALL_SIDE,
                    BatchCallingOperations.ATTEMPTS,
                    WebhookOperations.WEBHOOKS,
                    BatchCallingOperations.UPLOAD)
            .flatMap(List::stream)
            .toList();

    /** ElevenLabs' WhatsApp messaging: this server places calls, it does not send messages. */
    private static final String WHATSAPP_MESSAGE_PATH = "/v1/convai/whatsapp/outbound-message";

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
        SchemaExtensions.extendSchemas(schemas);
        SchemaExtensions.extendForSuppression(schemas);
        WhatsAppOperations.extendSchemas(schemas);
        CompatibleOperationNotes.newerThanTheSubsets(paths, schemas);
        for (var operation : Stream.of(OWN_OPERATIONS, SuppressionOperations.ALL, WhatsAppOperations.ALL)
                .flatMap(List::stream)
                .toList()) {
            var path = paths.has(operation.path())
                    ? (ObjectNode) paths.get(operation.path())
                    : paths.putObject(operation.path());
            path.set(operation.method(), operation.describe());
        }
        CompatibleOperationNotes.markSingleCallLimits(paths);
        ConversationOperations.addConversations(paths, schemas);
        BatchCallingOperations.describeUploadBody(paths);
        return document;
    }

    static JsonNode read(String resource) {
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
