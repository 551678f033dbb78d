package io.batchcall.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * A voice AI agent. {@code conversationConfigJson} and {@code tagsJson} are JSON texts kept exactly as given
 * (the domain has no JSON library). {@code concurrencyLimit} empty means the workspace's.
 */
public record Agent(WorkspaceId workspaceId, String id, String name, String conversationConfigJson, String tagsJson,
                    Optional<Integer> concurrencyLimit, Optional<String> mediaStreamUrl, Optional<String> sipUri,
                    Instant createdAt, Instant updatedAt) {
    public static final String ID_PREFIX = "agent";
}
