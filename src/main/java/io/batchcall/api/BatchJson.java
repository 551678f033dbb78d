package io.batchcall.api;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.batchcall.domain.BatchSummary;
import io.batchcall.domain.MachineDetection;
import io.batchcall.domain.Provider;
import io.batchcall.domain.Recipient;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.store.RecipientStore;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * The batch responses, exactly as ElevenLabs shapes them: every key the spec lists, nullable ones as explicit
 * null, integers as integers; plus our documented extensions ({@code failure_reason} on batches,
 * {@code attempt_count} and {@code last_outcome} on recipients).
 */
final class BatchJson {
    /** Recipients read per query while a batch is streamed out. */
    private static final int CHUNK = 1_000;

    private BatchJson() {}

    record MachineDetectionResponse(String mode) {}

    record CallConfigResponse(int ringingTimeoutSecs, boolean twilioCallRecordingEnabled,
                              MachineDetectionResponse twilioMachineDetection) {
        static CallConfigResponse of(TelephonyCallConfig config) {
            return new CallConfigResponse(config.ringingTimeoutSecs(), config.recordingEnabled(),
                    config.machineDetection().map(MachineDetection::wireName).map(MachineDetectionResponse::new)
                            .orElse(null));
        }
    }

    record BatchCallResponse(String id, String phoneNumberId, String phoneProvider,
                             @JsonRawValue String whatsappParams, String name, String agentId, String branchId,
                             String environment, long createdAtUnix, long scheduledTimeUnix, String timezone,
                             int totalCallsDispatched, int totalCallsScheduled, int totalCallsFinished,
                             long lastUpdatedAtUnix, String status, int retryCount,
                             CallConfigResponse telephonyCallConfig, Integer targetConcurrencyLimit,
                             String agentName, String branchName, String failureReason) {}

    record RecipientResponse(String id, String phoneNumber, String whatsappUserId, String status,
                             long createdAtUnix, long updatedAtUnix, String conversationId,
                             @JsonRawValue String conversationInitiationClientData, int attemptCount,
                             String lastOutcome) {}

    record ListResponse(List<BatchCallResponse> batchCalls, String nextDoc, boolean hasMore) {}

    static BatchCallResponse batch(BatchSummary summary) {
        var b = summary.batch();
        return new BatchCallResponse(b.id(), b.phoneNumberId().orElse(null),
                summary.phoneProvider().map(Provider::wireName).orElse(null), b.whatsappParamsJson().orElse(null),
                b.name(), b.agentId(), b.branchId().orElse(null), b.environment().orElse(null),
                b.createdAt().getEpochSecond(), b.scheduledAt().getEpochSecond(), b.timezone().orElse(null),
                b.totalDispatched(), b.totalScheduled(), b.totalFinished(), b.updatedAt().getEpochSecond(),
                b.status().wireName(), b.retryCount(), CallConfigResponse.of(b.callConfig()),
                b.targetConcurrencyLimit().orElse(null), summary.agentName(), summary.branchName().orElse(null),
                b.failureReason().orElse(null));
    }

    static RecipientResponse recipient(Recipient r) {
        return new RecipientResponse(r.id(), r.phoneNumber().orElse(null), r.whatsappUserId().orElse(null),
                r.status().wireName(), r.createdAt().getEpochSecond(), r.updatedAt().getEpochSecond(),
                r.conversationId().orElse(null), r.clientDataJson().orElse(null), r.attemptCount(),
                r.lastOutcome().orElse(null));
    }

    /**
     * Writes {@code BatchCallDetailedResponse}: the batch's fields, then {@code recipients} streamed from the
     * store a chunk at a time, so that memory stays flat however large the batch.
     */
    static void writeDetailed(BatchSummary summary, RecipientStore recipients, OutputStream out) throws IOException {
        var batch = summary.batch();
        try (var json = Json.MAPPER.createGenerator(out)) {
            json.writeStartObject();
            var fields = Json.MAPPER.valueToTree(batch(summary)).properties();
            for (var field : fields) {
                json.writeFieldName(field.getKey());
                json.writeTree(field.getValue());
            }
            json.writeArrayFieldStart("recipients");
            int after = -1;
            List<Recipient> chunk;
            do {
                chunk = recipients.chunk(batch.workspaceId(), batch.id(), after, CHUNK);
                for (var recipient : chunk) {
                    json.writePOJO(recipient(recipient));
                    after = recipient.position();
                }
                json.flush();
            } while (chunk.size() == CHUNK);
            json.writeEndArray();
            json.writeEndObject();
        }
    }
}
