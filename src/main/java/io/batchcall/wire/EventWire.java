package io.batchcall.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.Map;

/**
 * The data of batchcall's own events (Standard Webhooks naming, ElevenLabs' envelope plus {@code event_id}) and
 * of ElevenLabs' {@code call_initiation_failure}.
 */
public final class EventWire {
    private EventWire() {}

    /** One attempt (one dial) as a recipient event tells it. */
    public record AttemptData(
            int number,
            String phase,
            String outcome,
            String provider,
            String providerCallId,
            Integer sipResponseCode,
            String providerStatus,
            Long startedAtUnix,
            Long answeredAtUnix,
            Long endedAtUnix,
            String conversationId,
            String failureReason) {}

    /** A batch's progress, as every recipient event carries it. */
    public record BatchCounts(
            String status, int totalCallsScheduled, int totalCallsDispatched, int totalCallsFinished) {}

    /** {@code recipient.<status>}: a recipient's status changed. {@code attempt} is null for moves without one. */
    public record RecipientEvent(
            String batchCallId,
            String previousStatus,
            BatchWire.RecipientResponse recipient,
            AttemptData attempt,
            BatchCounts batch) {}

    /**
     * {@code batch.<what>}: the batch as GET returns it (without recipients), the status it came from, and on its
     * final events how many recipients ended in each status. {@code batch.paused}, {@code batch.resumed},
     * {@code batch.updated} (a PATCH) and {@code batch.recipients_added} carry the same shape: their
     * {@code previous_status} is the status the batch keeps; the batch shows what changed (paused, the edited
     * fields, the new {@code total_calls_scheduled}).
     */
    public record BatchEvent(
            @JsonUnwrapped BatchWire.BatchCallResponse batch,
            String previousStatus,
            @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Integer> summary) {}

    /**
     * {@code call.machine_detected}: answering-machine detection's verdict, as the provider words it
     * ({@code answered_by}: {@code machine_end_beep}, {@code human}, {@code fax}...); {@code is_machine} says whether
     * the call's outcome will be {@code voicemail} when it ends. The call goes on meanwhile.
     */
    public record MachineDetected(
            String batchCallId,
            String batchCallRecipientId,
            String conversationId,
            String agentId,
            String answeredBy,
            boolean isMachine,
            AttemptData attempt) {}

    /** {@code batch.deleted}: the batch is gone; only its id and last status remain. */
    public record DeletedBatch(String id, String previousStatus) {}

    public record BatchCallRef(String batchCallId, String batchCallRecipientId) {}

    public record FailureMetadata(String type, Map<String, Object> body) {}

    /**
     * ElevenLabs' {@code call_initiation_failure}: {@code failure_reason} is {@code busy}, {@code no-answer} or
     * {@code unknown}; {@code batch_call} is our documented extension.
     */
    public record CallInitiationFailure(
            String agentId,
            String conversationId,
            String failureReason,
            FailureMetadata metadata,
            BatchCallRef batchCall) {}
}
