package io.batchcall.store;

import io.batchcall.domain.Branch;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.WorkspaceId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** Branches of agents. */
public final class BranchStore {
    private final Jdbi jdbi;
    private final Clock clock;
    private final IdSource ids;

    public BranchStore(Database database, Clock clock, IdSource ids) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.ids = ids;
    }

    /** A new branch of an agent the caller has checked is live. */
    public Branch create(WorkspaceId workspace, String agentId, String name, Optional<String> description) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        INSERT INTO branches (workspace_id, id, agent_id, name, description, created_at)
                        VALUES (:workspaceId, :id, :agentId, :name, :description, :now)
                        RETURNING workspace_id, id, agent_id, name, description, created_at""")
                .bind("workspaceId", workspace.value())
                .bind("id", ids.next(Branch.ID_PREFIX))
                .bind("agentId", agentId)
                .bind("name", name)
                .bind("description", description.orElse(null))
                .bind("now", Rows.at(clock.instant()))
                .map(BranchStore::branch)
                .one());
    }

    /** The branches of an agent, oldest first. */
    public List<Branch> list(WorkspaceId workspace, String agentId) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT workspace_id, id, agent_id, name, description, created_at
                        FROM branches WHERE workspace_id = :workspaceId AND agent_id = :agentId
                        ORDER BY created_at, id""")
                .bind("workspaceId", workspace.value())
                .bind("agentId", agentId)
                .map(BranchStore::branch)
                .list());
    }

    /** A branch of the given agent; empty when it does not exist or belongs to another agent. */
    public Optional<Branch> find(WorkspaceId workspace, String agentId, String branchId) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT workspace_id, id, agent_id, name, description, created_at
                        FROM branches WHERE workspace_id = :workspaceId AND agent_id = :agentId AND id = :id""")
                .bind("workspaceId", workspace.value())
                .bind("agentId", agentId)
                .bind("id", branchId)
                .map(BranchStore::branch)
                .findOne());
    }

    static Branch branch(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Branch(
                new WorkspaceId(rs.getString("workspace_id")),
                rs.getString("id"),
                rs.getString("agent_id"),
                rs.getString("name"),
                Rows.optionalText(rs, "description"),
                Rows.instant(rs, "created_at"));
    }
}
