package io.batchcall.store;

import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The default calling windows (for callers of the official SDK, which strips request keys it does not know): the
 * workspace's, with its jurisdiction rules, and each agent's. A window is kept as the normalised JSON text the API
 * wrote; a submit copies the effective one into the batch, so a later change does not move running batches.
 */
public final class CallingWindowDefaults {
    private final Jdbi jdbi;
    private final Clock clock;

    /** The workspace's default window (absent: none) and how the legal presets apply. */
    public record WorkspaceDefaults(Optional<String> callingWindow, String jurisdictionRules) {}

    public CallingWindowDefaults(Database database, Clock clock) {
        this.jdbi = database.jdbi();
        this.clock = clock;
    }

    public WorkspaceDefaults workspace(WorkspaceId workspace) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT default_calling_window::text AS calling_window, jurisdiction_rules
                        FROM workspaces WHERE id = :id""")
                .bind("id", workspace.value())
                .map((rs, ctx) -> new WorkspaceDefaults(
                        Optional.ofNullable(rs.getString("calling_window")), rs.getString("jurisdiction_rules")))
                .one());
    }

    /** Sets the workspace's window when {@code window} is given ({@code Optional.empty()} inside: clears it). */
    public void setWorkspace(
            WorkspaceId workspace, Optional<Optional<String>> window, Optional<String> jurisdictionRules) {
        jdbi.useHandle(handle -> handle.createUpdate("""
                        UPDATE workspaces
                        SET default_calling_window = CASE WHEN :setWindow THEN CAST(:window AS jsonb)
                                                          ELSE default_calling_window END,
                            jurisdiction_rules = coalesce(:rules, jurisdiction_rules),
                            updated_at = :now
                        WHERE id = :id""")
                .bind("id", workspace.value())
                .bind("setWindow", window.isPresent())
                .bind("window", window.flatMap(w -> w).orElse(null))
                .bind("rules", jurisdictionRules.orElse(null))
                .bind("now", Rows.at(clock.instant()))
                .execute());
    }

    /** The agent's default window: empty when there is no such agent, empty inside when it has none. */
    public Optional<Optional<String>> agent(WorkspaceId workspace, String agentId) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT default_calling_window::text AS calling_window FROM agents
                        WHERE workspace_id = :workspace AND id = :agent""")
                .bind("workspace", workspace.value())
                .bind("agent", agentId)
                .map((rs, ctx) -> Optional.ofNullable(rs.getString("calling_window")))
                .findOne());
    }

    /** Sets or clears the agent's default window; false when there is no such agent. */
    public boolean setAgent(WorkspaceId workspace, String agentId, Optional<String> window) {
        return jdbi.withHandle(handle -> handle.createUpdate("""
                                UPDATE agents SET default_calling_window = CAST(:window AS jsonb), updated_at = :now
                                WHERE workspace_id = :workspace AND id = :agent""")
                        .bind("workspace", workspace.value())
                        .bind("agent", agentId)
                        .bind("window", window.orElse(null))
                        .bind("now", Rows.at(clock.instant()))
                        .execute())
                == 1;
    }
}
