package io.batchcall.store;

import io.batchcall.domain.Branch;
import io.batchcall.domain.WorkspaceId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** Branches of agents. */
public final class BranchStore {
    private final Jdbi jdbi;
    private final Clock clock;

    public BranchStore(Database database, Clock clock) {
        this.jdbi = database.jdbi();
        this.clock = clock;
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
        return new Branch(new WorkspaceId(rs.getString("workspace_id")), rs.getString("id"), rs.getString("agent_id"),
                rs.getString("name"), Rows.optionalText(rs, "description"), Rows.instant(rs, "created_at"));
    }
}
