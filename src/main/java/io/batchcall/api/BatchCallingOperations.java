package io.batchcall.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** Our batch calling operations beyond ElevenLabs' subset: control of a running batch, its attempts, uploads. */
final class BatchCallingOperations {
    private BatchCallingOperations() {}

    /** Pause, resume, edit a batch, append recipients, cancel one. */
    static final List<OpenApiOperation> CONTROL = List.of(
            new OpenApiOperation(
                    "post",
                    "/v1/convai/batch-calling/{batch_id}/pause",
                    "Batch calling",
                    "Pause a batch: no"
                            + " new dial starts on any node once this returns; calls in progress finish. Answers the batch"
                            + " with paused true (status keeps its ElevenLabs value). 409 batch_already_finished",
                    true,
                    "object"),
            new OpenApiOperation(
                    "post",
                    "/v1/convai/batch-calling/{batch_id}/resume",
                    "Batch calling",
                    "Resume a paused" + " batch where it stopped. 409 batch_already_finished",
                    true,
                    "object"),
            new OpenApiOperation(
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
            new OpenApiOperation(
                    "post",
                    "/v1/convai/batch-calling/{batch_id}/recipients",
                    "Batch calling",
                    "Append"
                            + " recipients {recipients:[...]} (validated as submit; duplicates of the batch's recipients"
                            + " and more than 10,000 in all are a 422). 409 batch_already_finished",
                    true,
                    "object"),
            new OpenApiOperation(
                    "post",
                    "/v1/convai/batch-calling/{batch_id}/recipients/{recipient_id}/cancel",
                    "Batch calling",
                    "Cancel one recipient: pending ones are never dialed, a ringing call is"
                            + " cancelled, an answered one finishes. 409 recipient_already_finished",
                    true,
                    "object"));

    /** Every dial of a batch's recipients. */
    static final List<OpenApiOperation> ATTEMPTS = List.of(new OpenApiOperation(
            "get",
            "/v1/convai/batch-calling/{batch_id}/attempts",
            "Batch calling",
            "Every dial of a"
                    + " batch's recipients with timestamps (ms), outcome, provider status and SIP code, and the"
                    + " recipient's local_time, timezone and the policy that allowed the dial; recipient_id"
                    + " narrows it to one recipient",
            true,
            "object"));

    /** Checking a file of recipients before submitting it. */
    static final List<OpenApiOperation> UPLOAD = List.of(new OpenApiOperation(
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

    /** The upload's multipart body, which an {@link OpenApiOperation} does not describe. */
    static void describeUploadBody(ObjectNode paths) {
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
    }
}
