package io.batchcall.store;

import io.batchcall.domain.WorkspaceId;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The retry policies a batch gets when its submit names none (the official SDK strips {@code retry_policy}): its
 * agent's default, else its workspace's. Kept as the normalised JSON the API checked; a change applies to batches
 * submitted later, as a running batch keeps the rules it was submitted with.
 */
public final class RetryPolicyDefaults {
    private final Jdbi jdbi;

    public RetryPolicyDefaults(Database database) {
        this.jdbi = database.jdbi();
    }

    public Optional<String> workspace(WorkspaceId workspace) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT default_retry_policy::text FROM workspaces WHERE id = :id""")
                .bind("id", workspace.value())
                .mapTo(String.class)
                .findOne());
    }

    /** Sets (or with empty, removes) the workspace's default. */
    public void setWorkspace(WorkspaceId workspace, Optional<String> policyJson) {
        jdbi.useHandle(handle -> handle.createUpdate("""
                        UPDATE workspaces SET default_retry_policy = CAST(:policy AS jsonb) WHERE id = :id""")
                .bind("id", workspace.value())
                .bind("policy", policyJson.orElse(null))
                .execute());
    }

    /** The agent's default; empty when the agent has none or does not exist. */
    public Optional<String> agent(WorkspaceId workspace, String agentId) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT default_retry_policy::text FROM agents WHERE workspace_id = :workspaceId AND id = :id""")
                .bind("workspaceId", workspace.value())
                .bind("id", agentId)
                .mapTo(String.class)
                .findOne());
    }

    /** Sets (or with empty, removes) the agent's default; false when the agent does not exist. */
    public boolean setAgent(WorkspaceId workspace, String agentId, Optional<String> policyJson) {
        return jdbi.withHandle(handle -> handle.createUpdate("""
                                UPDATE agents SET default_retry_policy = CAST(:policy AS jsonb)
                                WHERE workspace_id = :workspaceId AND id = :id""")
                        .bind("workspaceId", workspace.value())
                        .bind("id", agentId)
                        .bind("policy", policyJson.orElse(null))
                        .execute())
                == 1;
    }

    /** The policy a batch of {@code agentId} gets when it names none: the agent's default, else the workspace's. */
    public Optional<String> effective(WorkspaceId workspace, String agentId) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT coalesce(a.default_retry_policy, w.default_retry_policy)::text
                        FROM workspaces w
                        LEFT JOIN agents a ON a.workspace_id = w.id AND a.id = :agentId
                        WHERE w.id = :workspaceId""")
                .bind("workspaceId", workspace.value())
                .bind("agentId", agentId)
                .mapTo(String.class)
                .findOne());
    }
}
