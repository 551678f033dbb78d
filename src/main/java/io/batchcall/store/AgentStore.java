package io.batchcall.store;

import io.batchcall.domain.Agent;
import io.batchcall.domain.WorkspaceId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** Agents of a workspace. Deleted agents are kept for the names of old batches, and are invisible here. */
public final class AgentStore {
    static final String COLUMNS = """
            workspace_id, id, name, conversation_config::text AS conversation_config, tags::text AS tags,
            concurrency_limit, media_stream_url, sip_uri, created_at, updated_at
            """;

    private final Jdbi jdbi;
    private final Clock clock;

    public AgentStore(Database database, Clock clock) {
        this.jdbi = database.jdbi();
        this.clock = clock;
    }

    /** A live agent of the workspace. */
    public Optional<Agent> find(WorkspaceId workspace, String agentId) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS + """
                         FROM agents WHERE workspace_id = :workspaceId AND id = :id AND deleted_at IS NULL""")
                .bind("workspaceId", workspace.value())
                .bind("id", agentId)
                .map(AgentStore::agent)
                .findOne());
    }

    static Agent agent(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Agent(new WorkspaceId(rs.getString("workspace_id")), rs.getString("id"), rs.getString("name"),
                rs.getString("conversation_config"), rs.getString("tags"),
                Optional.ofNullable((Integer) rs.getObject("concurrency_limit")),
                Rows.optionalText(rs, "media_stream_url"), Rows.optionalText(rs, "sip_uri"),
                Rows.instant(rs, "created_at"), Rows.instant(rs, "updated_at"));
    }
}
