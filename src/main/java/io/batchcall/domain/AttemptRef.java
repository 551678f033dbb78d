package io.batchcall.domain;

/** Names one attempt: what a provider reports events for. */
public record AttemptRef(WorkspaceId workspaceId, String attemptId) {
    public static final String ID_PREFIX = "att";
}
