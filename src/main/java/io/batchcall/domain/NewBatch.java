package io.batchcall.domain;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A validated submission, ready to be stored with its recipients in one transaction. */
public record NewBatch(
        String name,
        String agentId,
        Optional<String> branchId,
        Optional<String> phoneNumberId,
        Optional<String> environment,
        Optional<String> timezone,
        Optional<String> whatsappParamsJson,
        TelephonyCallConfig callConfig,
        Optional<Integer> targetConcurrencyLimit,
        Instant scheduledAt,
        List<NewRecipient> recipients,
        BatchRules rules) {
    /** A batch without campaign rules of its own. */
    public NewBatch(
            String name,
            String agentId,
            Optional<String> branchId,
            Optional<String> phoneNumberId,
            Optional<String> environment,
            Optional<String> timezone,
            Optional<String> whatsappParamsJson,
            TelephonyCallConfig callConfig,
            Optional<Integer> targetConcurrencyLimit,
            Instant scheduledAt,
            List<NewRecipient> recipients) {
        this(
                name,
                agentId,
                branchId,
                phoneNumberId,
                environment,
                timezone,
                whatsappParamsJson,
                callConfig,
                targetConcurrencyLimit,
                scheduledAt,
                recipients,
                BatchRules.NONE);
    }

    public NewBatch {
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty() || recipients.size() > Batch.MAX_RECIPIENTS) {
            throw new IllegalArgumentException("a batch has 1 to " + Batch.MAX_RECIPIENTS + " recipients");
        }
    }
}
