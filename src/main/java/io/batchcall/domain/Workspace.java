package io.batchcall.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * A tenant. Its {@code concurrencyLimit} caps the calls in flight across all of its batches.
 */
public record Workspace(WorkspaceId id, String name, int concurrencyLimit, Instant createdAt, Instant updatedAt) {
    public static final int DEFAULT_CONCURRENCY_LIMIT = 20;
    public static final int MAX_NAME_LENGTH = 200;

    public Workspace {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        if (concurrencyLimit < 1) {
            throw new IllegalArgumentException("concurrencyLimit must be at least 1");
        }
    }
}
