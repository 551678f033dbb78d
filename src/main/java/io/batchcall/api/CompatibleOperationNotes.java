package io.batchcall.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Notes on ElevenLabs' own operations as served here: fields their official SDK has that the specification subsets
 * lack, and what a single outbound call answers when the limits are full.
 */
final class CompatibleOperationNotes {
    /** Where the fields that are newer than the specification subsets come from. */
    private static final String SDK_SOURCE = "@elevenlabs/elevenlabs-js 2.73.0";

    private CompatibleOperationNotes() {}

    /**
     * ElevenLabs' own fields that its official SDK has and the specification subsets do not yet (the batch-calling
     * subset's description lists them): marked with where they come from, not as our extensions.
     */
    static void newerThanTheSubsets(ObjectNode paths, ObjectNode schemas) {
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

    /**
     * ElevenLabs does not document what a single outbound call answers when the limits are full; ours is a 429
     * at once (never a silent queue), marked as our extension. A simulator number is accepted on every route.
     */
    static void markSingleCallLimits(ObjectNode paths) {
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
}
