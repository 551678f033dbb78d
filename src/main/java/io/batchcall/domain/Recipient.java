package io.batchcall.domain;

import java.time.Instant;
import java.util.Optional;

/** A recipient as stored: where its calls stand and how the last one ended. */
public record Recipient(
        String batchId,
        String id,
        int position,
        Optional<String> phoneNumber,
        Optional<String> whatsappUserId,
        Optional<String> clientDataJson,
        RecipientStatus status,
        Optional<String> lastOutcome,
        int attemptCount,
        Optional<String> conversationId,
        Instant createdAt,
        Instant updatedAt) {}
