package io.batchcall.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * A batch call as stored, with its counters: recipients scheduled, dialed at least once, and finished; and since
 * when it is paused (no new dial starts while it is), if it is.
 */
public record Batch(
        WorkspaceId workspaceId,
        String id,
        String name,
        String agentId,
        Optional<String> branchId,
        Optional<String> phoneNumberId,
        Optional<String> environment,
        Optional<String> timezone,
        Optional<String> whatsappParamsJson,
        TelephonyCallConfig callConfig,
        Optional<Integer> targetConcurrencyLimit,
        BatchStatus status,
        Optional<String> failureReason,
        int retryCount,
        int totalScheduled,
        int totalDispatched,
        int totalFinished,
        Instant scheduledAt,
        Instant createdAt,
        Instant updatedAt,
        Optional<Instant> pausedAt) {
    public static final String ID_PREFIX = "btcal";
    public static final int MAX_RECIPIENTS = 10_000;
}
