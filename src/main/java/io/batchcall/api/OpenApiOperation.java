package io.batchcall.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One of our own operations, described briefly: {@link #describe()} renders it as an OpenAPI operation, marked
 * {@code x-batchcall-extension: true} unless its path is ElevenLabs' own.
 */
record OpenApiOperation(String method, String path, String tag, String summary, boolean needsApiKey, String response) {
    private static final Pattern PATH_PARAMETER = Pattern.compile("\\{([a-z_]+)}");

    /** Paths from ElevenLabs' specification whose operations are ElevenLabs' own (agents and conversations too). */
    private static final List<String> ELEVENLABS_PATH_PREFIXES =
            List.of("/v1/convai/agents", "/v1/convai/conversations", "/v1/convai/v2/phone-numbers");

    ObjectNode describe() {
        var node = Json.MAPPER.createObjectNode();
        node.putArray("tags").add(tag);
        node.put("summary", summary);
        boolean elevenLabs = ELEVENLABS_PATH_PREFIXES.stream().anyMatch(path::startsWith);
        if (!elevenLabs) {
            node.put("x-batchcall-extension", true);
        }
        var parameters = node.putArray("parameters");
        var matcher = PATH_PARAMETER.matcher(path);
        while (matcher.find()) {
            parameters
                    .addObject()
                    .put("name", matcher.group(1))
                    .put("in", "path")
                    .put("required", true)
                    .putObject("schema")
                    .put("type", "string");
        }
        if (needsApiKey) {
            node.putArray("security").addObject().putArray("ApiKey");
        } else if (path.startsWith("/admin") || path.startsWith(AgentTokens.PATH)) {
            node.putArray("security").addObject().putArray("Bearer");
        }
        var responses = node.putObject("responses");
        switch (response) {
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
}
