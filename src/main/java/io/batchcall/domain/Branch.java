package io.batchcall.domain;

import java.time.Instant;
import java.util.Optional;

/** A branch of an agent; a batch may run on one. */
public record Branch(
        WorkspaceId workspaceId,
        String id,
        String agentId,
        String name,
        Optional<String> description,
        Instant createdAt) {
    public static final String ID_PREFIX = "agtbranch";
}
