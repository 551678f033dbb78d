package io.batchcall.domain;

import java.util.Objects;

/** A conversation, named by its workspace and id (conversation ids are unique within a workspace). */
public record ConversationRef(WorkspaceId workspaceId, String conversationId) {
    public ConversationRef {
        Objects.requireNonNull(workspaceId, "workspaceId");
        Objects.requireNonNull(conversationId, "conversationId");
    }
}
