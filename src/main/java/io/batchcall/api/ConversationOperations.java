package io.batchcall.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;

/** ElevenLabs' conversation operations as this server serves them, from their subset. */
final class ConversationOperations {
    private ConversationOperations() {}

    /**
     * ElevenLabs' conversation operations this server serves, from their subset (the rest of it, tags, feedback,
     * files, ..., is not served), with our batch_call_id filter and the filters refused with a 422 marked.
     */
    static void addConversations(ObjectNode paths, ObjectNode schemas) {
        var subset = OpenApiDocument.read("/openapi/elevenlabs-conversations.openapi.json");
        // In a fixed order: the document lists paths in the order they are added, and Map.of's iteration order
        // changes from one JVM run to the next (so /openapi.json did too).
        var served = new LinkedHashMap<String, List<String>>();
        served.put(ConversationRoutes.PATH, List.of("get"));
        served.put(ConversationRoutes.PATH + "/{conversation_id}", List.of("get", "delete"));
        served.put(ConversationRoutes.PATH + "/{conversation_id}/audio", List.of("get"));
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
        SchemaExtensions.extend(
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
}
