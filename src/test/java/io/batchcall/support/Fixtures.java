package io.batchcall.support;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * The one test-data builder for objects whose own API is not the subject of a test: rows written straight into
 * the server's database, in the workspace a key belongs to.
 */
public final class Fixtures {
    private final TestServer server;
    private final Jdbi jdbi;

    public Fixtures(TestServer server) {
        this.server = server;
        this.jdbi = Jdbi.create(server.databaseUrl(), "postgres", "");
    }

    public String workspaceOf(String apiKey) {
        return server.client(apiKey)
                .get("/v1/batchcall/workspace")
                .json()
                .get("workspace_id")
                .asText();
    }

    public String agent(String apiKey, String name) {
        var id = "agent_" + UUID.randomUUID().toString().replace("-", "").substring(0, 28);
        execute("""
                INSERT INTO agents (workspace_id, id, name, created_at, updated_at)
                VALUES (:workspaceId, :id, :name, :now, :now)""", Map.of("workspaceId", workspaceOf(apiKey), "id", id, "name", name));
        return id;
    }

    /** A simulator number, assigned to {@code agentId} when it is not null. */
    public String phoneNumber(String apiKey, String agentId) {
        var id = "phnum_" + UUID.randomUUID().toString().replace("-", "").substring(0, 28);
        var params = new java.util.HashMap<String, Object>(Map.of("workspaceId", workspaceOf(apiKey), "id", id));
        params.put("agentId", agentId);
        execute("""
                INSERT INTO phone_numbers (workspace_id, id, provider, phone_number, label, agent_id, cps,
                    agent_assigned_at, created_at, updated_at)
                VALUES (:workspaceId, :id, 'simulator', '+14155550100', 'Simulator', :agentId, 1000,
                    CASE WHEN CAST(:agentId AS text) IS NULL THEN NULL ELSE :now END, :now, :now)""", params);
        return id;
    }

    public String branch(String apiKey, String agentId, String name) {
        var id = "agtbranch_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        execute("""
                INSERT INTO branches (workspace_id, id, agent_id, name, created_at)
                VALUES (:workspaceId, :id, :agentId, :name, :now)""", Map.of("workspaceId", workspaceOf(apiKey), "id", id, "agentId", agentId, "name", name));
        return id;
    }

    /** Runs a statement with {@code :now} bound to the current time, and returns the rows it changed. */
    public int execute(String sql, Map<String, ?> params) {
        return jdbi.withHandle(handle -> {
            var update = handle.createUpdate(sql).bind("now", OffsetDateTime.now(ZoneOffset.UTC));
            params.forEach(update::bind);
            return update.execute();
        });
    }

    /** Runs one statement with no parameters, as written (a test's own trigger, function or sequence). */
    public void executeStatement(String sql) {
        jdbi.useHandle(handle -> handle.execute(sql));
    }

    public <T> java.util.List<T> queryList(String sql, Map<String, ?> params, Class<T> type) {
        return jdbi.withHandle(handle -> {
            var query = handle.createQuery(sql);
            params.forEach(query::bind);
            return query.mapTo(type).list();
        });
    }

    public <T> T queryOne(String sql, Map<String, ?> params, Class<T> type) {
        return jdbi.withHandle(handle -> {
            var query = handle.createQuery(sql);
            params.forEach(query::bind);
            return query.mapTo(type).one();
        });
    }
}
