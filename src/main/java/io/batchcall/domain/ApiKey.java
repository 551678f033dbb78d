package io.batchcall.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * A stored API key: never the key itself, only its hash (kept by the store) and a short visible prefix that
 * lets a person tell keys apart.
 */
public record ApiKey(
        String id,
        WorkspaceId workspaceId,
        String prefix,
        Instant createdAt,
        Optional<Instant> lastUsedAt,
        Optional<Instant> revokedAt) {

    public static final String ID_PREFIX = "key";

    public boolean revoked() {
        return revokedAt.isPresent();
    }
}
