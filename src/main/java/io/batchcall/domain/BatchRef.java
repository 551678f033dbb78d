package io.batchcall.domain;

import java.util.Objects;

/** A batch named by its workspace and id: batch ids are unique only within a workspace. */
public record BatchRef(WorkspaceId workspaceId, String batchId) {
    public BatchRef {
        Objects.requireNonNull(workspaceId, "workspaceId");
        Objects.requireNonNull(batchId, "batchId");
    }
}
