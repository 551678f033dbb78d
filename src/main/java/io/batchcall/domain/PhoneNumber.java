package io.batchcall.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;

/**
 * A caller number and the provider account behind it. {@code settingsJson} holds the provider's non-secret
 * settings (JSON text); secrets are stored apart, encrypted, and never part of this record.
 */
public record PhoneNumber(
        WorkspaceId workspaceId,
        String id,
        Provider provider,
        String phoneNumber,
        String label,
        Optional<String> agentId,
        String settingsJson,
        boolean hasCredentials,
        BigDecimal cps,
        boolean supportsInbound,
        boolean supportsOutbound,
        Instant createdAt,
        Instant updatedAt) {
    public static final String ID_PREFIX = "phnum";
}
