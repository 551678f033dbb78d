package io.batchcall.domain;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A recipient as stored: where its calls stand and how the last one ended; with the campaign rules, why it waits
 * ({@code holdReason}, until {@code nextAttemptAt}) or was never dialed ({@code skipReason}), its time zone as
 * given ({@code timezone}) and as resolved ({@code timezones}, from {@code timezoneSource}), and its region.
 */
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
        Instant updatedAt,
        Optional<String> holdReason,
        Optional<String> skipReason,
        Optional<Instant> nextAttemptAt,
        Optional<String> timezone,
        List<String> timezones,
        Optional<String> timezoneSource,
        Optional<String> region) {
    public Recipient {
        timezones = List.copyOf(timezones);
    }

    /** The zone shown: the first the rules resolved, else the one given. */
    public Optional<String> shownTimezone() {
        return timezones.isEmpty() ? timezone : Optional.of(timezones.getFirst());
    }
}
