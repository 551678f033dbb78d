package io.batchcall.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * A voice AI agent. {@code conversationConfigJson}, {@code platformSettingsJson} and {@code tagsJson} are JSON texts
 * kept exactly as given (the domain has no JSON library). {@code concurrencyLimit} empty means the workspace's;
 * {@code dailyLimit} empty means none.
 */
public record Agent(
        WorkspaceId workspaceId,
        String id,
        String name,
        String conversationConfigJson,
        String tagsJson,
        Optional<Integer> concurrencyLimit,
        Optional<String> mediaStreamUrl,
        Optional<String> sipUri,
        Instant createdAt,
        Instant updatedAt,
        String platformSettingsJson,
        Optional<Integer> dailyLimit,
        boolean burstingEnabled) {
    public static final String ID_PREFIX = "agent";
    /** The window {@code daily_limit} counts calls in: the last 24 hours, whatever the time zone. */
    public static final java.time.Duration DAILY_WINDOW = java.time.Duration.ofHours(24);

    /** An agent without platform settings or a daily limit. */
    public Agent(
            WorkspaceId workspaceId,
            String id,
            String name,
            String conversationConfigJson,
            String tagsJson,
            Optional<Integer> concurrencyLimit,
            Optional<String> mediaStreamUrl,
            Optional<String> sipUri,
            Instant createdAt,
            Instant updatedAt) {
        this(
                workspaceId,
                id,
                name,
                conversationConfigJson,
                tagsJson,
                concurrencyLimit,
                mediaStreamUrl,
                sipUri,
                createdAt,
                updatedAt,
                "{}",
                Optional.empty(),
                false);
    }
}
