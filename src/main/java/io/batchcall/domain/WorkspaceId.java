package io.batchcall.domain;

import java.util.Objects;

/** The id of a workspace: the tenant that owns every batch, agent and phone number. */
public record WorkspaceId(String value) {
    public static final String PREFIX = "ws";

    public WorkspaceId {
        Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
        return value;
    }
}
