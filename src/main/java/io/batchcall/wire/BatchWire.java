package io.batchcall.wire;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.batchcall.domain.BatchSummary;
import io.batchcall.domain.MachineDetection;
import io.batchcall.domain.Provider;
import io.batchcall.domain.Recipient;
import io.batchcall.domain.TelephonyCallConfig;
import java.time.Instant;

/**
 * The batch shapes, exactly as ElevenLabs has them: every key the spec lists, nullable ones as explicit null,
 * integers as integers; plus our documented extensions ({@code failure_reason} on batches, {@code attempt_count},
 * {@code last_outcome} and the campaign rules' holds, skips, zones and region on recipients, {@code paused} and {@code paused_at_unix} on batches: a paused batch keeps its
 * EL {@code status}).
 */
public final class BatchWire {
    private BatchWire() {}

    public record MachineDetectionResponse(String mode) {}

    public record CallConfigResponse(
            int ringingTimeoutSecs,
            boolean twilioCallRecordingEnabled,
            MachineDetectionResponse twilioMachineDetection) {
        static CallConfigResponse of(TelephonyCallConfig config) {
            return new CallConfigResponse(
                    config.ringingTimeoutSecs(),
                    config.recordingEnabled(),
                    config.machineDetection()
                            .map(MachineDetection::wireName)
                            .map(MachineDetectionResponse::new)
                            .orElse(null));
        }
    }

    public record BatchCallResponse(
            String id,
            String phoneNumberId,
            String phoneProvider,
            @JsonRawValue String whatsappParams,
            String name,
            String agentId,
            String branchId,
            String environment,
            long createdAtUnix,
            long scheduledTimeUnix,
            String timezone,
            int totalCallsDispatched,
            int totalCallsScheduled,
            int totalCallsFinished,
            long lastUpdatedAtUnix,
            String status,
            int retryCount,
            CallConfigResponse telephonyCallConfig,
            Integer targetConcurrencyLimit,
            String agentName,
            String branchName,
            String failureReason,
            boolean paused,
            Long pausedAtUnix) {}

    public record RecipientResponse(
            String id,
            String phoneNumber,
            String whatsappUserId,
            String status,
            long createdAtUnix,
            long updatedAtUnix,
            String conversationId,
            @JsonRawValue String conversationInitiationClientData,
            int attemptCount,
            String lastOutcome,
            String holdReason,
            String skipReason,
            Long nextAttemptAtUnix,
            String timezone,
            java.util.List<String> timezones,
            String timezoneSource,
            String region) {}

    public static BatchCallResponse batch(BatchSummary summary) {
        var b = summary.batch();
        return new BatchCallResponse(
                b.id(),
                b.phoneNumberId().orElse(null),
                summary.phoneProvider().map(Provider::wireName).orElse(null),
                b.whatsappParamsJson().orElse(null),
                b.name(),
                b.agentId(),
                b.branchId().orElse(null),
                b.environment().orElse(null),
                b.createdAt().getEpochSecond(),
                b.scheduledAt().getEpochSecond(),
                b.timezone().orElse(null),
                b.totalDispatched(),
                b.totalScheduled(),
                b.totalFinished(),
                b.updatedAt().getEpochSecond(),
                b.status().wireName(),
                b.retryCount(),
                CallConfigResponse.of(b.callConfig()),
                b.targetConcurrencyLimit().orElse(null),
                summary.agentName(),
                summary.branchName().orElse(null),
                b.failureReason().orElse(null),
                pausedAt(b).isPresent(),
                pausedAt(b).map(Instant::getEpochSecond).orElse(null));
    }

    /**
     * A batch that finished while paused (cancelled, or its last calls ended) is not shown paused: there is nothing
     * left to resume, and resuming it is refused.
     */
    private static java.util.Optional<Instant> pausedAt(io.batchcall.domain.Batch batch) {
        return batch.status().isFinal() ? java.util.Optional.empty() : batch.pausedAt();
    }

    /**
     * Writes a batch exactly as the mapper writes {@link BatchCallResponse}, without the mapper's reflective record
     * serializer (a list page writes 100 of them). {@code BatchWireTest} holds the two to the same bytes.
     */
    public static void write(com.fasterxml.jackson.core.JsonGenerator json, BatchCallResponse b)
            throws java.io.IOException {
        json.writeStartObject();
        writeFields(json, b);
        json.writeEndObject();
    }

    /** The batch's fields alone, so that a response may add its own after them (GET adds the recipients). */
    public static void writeFields(com.fasterxml.jackson.core.JsonGenerator json, BatchCallResponse b)
            throws java.io.IOException {
        json.writeStringField("id", b.id());
        json.writeStringField("phone_number_id", b.phoneNumberId());
        json.writeStringField("phone_provider", b.phoneProvider());
        json.writeFieldName("whatsapp_params");
        if (b.whatsappParams() == null) {
            json.writeNull();
        } else {
            json.writeRawValue(b.whatsappParams());
        }
        json.writeStringField("name", b.name());
        json.writeStringField("agent_id", b.agentId());
        json.writeStringField("branch_id", b.branchId());
        json.writeStringField("environment", b.environment());
        json.writeNumberField("created_at_unix", b.createdAtUnix());
        json.writeNumberField("scheduled_time_unix", b.scheduledTimeUnix());
        json.writeStringField("timezone", b.timezone());
        json.writeNumberField("total_calls_dispatched", b.totalCallsDispatched());
        json.writeNumberField("total_calls_scheduled", b.totalCallsScheduled());
        json.writeNumberField("total_calls_finished", b.totalCallsFinished());
        json.writeNumberField("last_updated_at_unix", b.lastUpdatedAtUnix());
        json.writeStringField("status", b.status());
        json.writeNumberField("retry_count", b.retryCount());
        json.writeFieldName("telephony_call_config");
        var config = b.telephonyCallConfig();
        if (config == null) {
            json.writeNull();
        } else {
            json.writeStartObject();
            json.writeNumberField("ringing_timeout_secs", config.ringingTimeoutSecs());
            json.writeBooleanField("twilio_call_recording_enabled", config.twilioCallRecordingEnabled());
            json.writeFieldName("twilio_machine_detection");
            if (config.twilioMachineDetection() == null) {
                json.writeNull();
            } else {
                json.writeStartObject();
                json.writeStringField("mode", config.twilioMachineDetection().mode());
                json.writeEndObject();
            }
            json.writeEndObject();
        }
        json.writeFieldName("target_concurrency_limit");
        if (b.targetConcurrencyLimit() == null) {
            json.writeNull();
        } else {
            json.writeNumber(b.targetConcurrencyLimit().intValue());
        }
        json.writeStringField("agent_name", b.agentName());
        json.writeStringField("branch_name", b.branchName());
        json.writeStringField("failure_reason", b.failureReason());
        json.writeBooleanField("paused", b.paused());
        json.writeFieldName("paused_at_unix");
        if (b.pausedAtUnix() == null) {
            json.writeNull();
        } else {
            json.writeNumber(b.pausedAtUnix().longValue());
        }
    }

    /**
     * Writes a recipient exactly as the mapper writes {@link RecipientResponse} (same keys, order, explicit nulls,
     * raw client data), without the mapper: a batch's GET writes 10,000 of them, and the reflective record
     * serializer was most of that request's CPU. {@code BatchWireTest} holds the two to the same bytes.
     */
    public static void write(com.fasterxml.jackson.core.JsonGenerator json, RecipientResponse r)
            throws java.io.IOException {
        json.writeStartObject();
        json.writeStringField("id", r.id());
        json.writeStringField("phone_number", r.phoneNumber());
        json.writeStringField("whatsapp_user_id", r.whatsappUserId());
        json.writeStringField("status", r.status());
        json.writeNumberField("created_at_unix", r.createdAtUnix());
        json.writeNumberField("updated_at_unix", r.updatedAtUnix());
        json.writeStringField("conversation_id", r.conversationId());
        json.writeFieldName("conversation_initiation_client_data");
        if (r.conversationInitiationClientData() == null) {
            json.writeNull();
        } else {
            json.writeRawValue(r.conversationInitiationClientData());
        }
        json.writeNumberField("attempt_count", r.attemptCount());
        json.writeStringField("last_outcome", r.lastOutcome());
        json.writeStringField("hold_reason", r.holdReason());
        json.writeStringField("skip_reason", r.skipReason());
        json.writeFieldName("next_attempt_at_unix");
        if (r.nextAttemptAtUnix() == null) {
            json.writeNull();
        } else {
            json.writeNumber(r.nextAttemptAtUnix().longValue());
        }
        json.writeStringField("timezone", r.timezone());
        json.writeFieldName("timezones");
        if (r.timezones() == null) {
            json.writeNull();
        } else {
            json.writeStartArray();
            for (var zone : r.timezones()) {
                json.writeString(zone);
            }
            json.writeEndArray();
        }
        json.writeStringField("timezone_source", r.timezoneSource());
        json.writeStringField("region", r.region());
        json.writeEndObject();
    }

    public static RecipientResponse recipient(Recipient r) {
        // A hold and a next time mean something only while the recipient waits: the columns outlive a claim or a
        // cancellation, which do not clear them.
        boolean waiting = r.status() == io.batchcall.domain.RecipientStatus.PENDING;
        return new RecipientResponse(
                r.id(),
                r.phoneNumber().orElse(null),
                r.whatsappUserId().orElse(null),
                r.status().wireName(),
                r.createdAt().getEpochSecond(),
                r.updatedAt().getEpochSecond(),
                r.conversationId().orElse(null),
                r.clientDataJson().orElse(null),
                r.attemptCount(),
                r.lastOutcome().orElse(null),
                waiting ? r.holdReason().orElse(null) : null,
                r.skipReason().orElse(null),
                waiting ? r.nextAttemptAt().map(Instant::getEpochSecond).orElse(null) : null,
                r.shownTimezone().orElse(null),
                r.timezones().isEmpty() ? null : r.timezones(),
                r.timezoneSource().orElse(null),
                r.region().orElse(null));
    }
}
