package io.batchcall.store;

import io.batchcall.domain.ApiKey;
import io.batchcall.domain.ApiKeySecret;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.Workspace;
import io.batchcall.domain.WorkspaceId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Workspaces, and the use cases that create one together with its first API key. */
public final class WorkspaceStore {
    private final Jdbi jdbi;
    private final Clock clock;
    private final IdSource ids;

    public WorkspaceStore(Database database, Clock clock, IdSource ids) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.ids = ids;
    }

    /** A workspace created together with its first API key. */
    public record Created(Workspace workspace, ApiKey apiKey) {}

    /** A new workspace and its first key, in one transaction. */
    public Created createWithApiKey(String name, int concurrencyLimit, ApiKeySecret key) {
        return jdbi.inTransaction(handle -> {
            var workspace = insert(handle, name, concurrencyLimit, false);
            return new Created(workspace, ApiKeyStore.insert(handle, workspace.id(), key, ids, clock));
        });
    }

    /**
     * The default workspace, created on first start with {@code key} as its first API key. Returns empty when it
     * already existed, in which case nothing changes.
     */
    public Optional<Workspace> createDefaultIfAbsent(ApiKeySecret key) {
        return jdbi.inTransaction(handle -> {
            // Several nodes may start at once on one database: the unique index on is_default lets only one win.
            if (findDefault(handle).isPresent()) {
                return Optional.empty();
            }
            var workspace = insert(handle, "Default", Workspace.DEFAULT_CONCURRENCY_LIMIT, true);
            ApiKeyStore.insert(handle, workspace.id(), key, ids, clock);
            return Optional.of(workspace);
        });
    }

    public Optional<Workspace> findDefault() {
        return jdbi.withHandle(WorkspaceStore::findDefault);
    }

    public Optional<Workspace> find(WorkspaceId id) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT id, name, concurrency_limit, created_at, updated_at
                        FROM workspaces WHERE id = :id""")
                .bind("id", id.value())
                .map(WorkspaceStore::workspace)
                .findOne());
    }

    public List<Workspace> list() {
        return jdbi.withHandle(
                handle -> handle.createQuery("""
                        SELECT id, name, concurrency_limit, created_at, updated_at
                        FROM workspaces ORDER BY created_at, id""").map(WorkspaceStore::workspace).list());
    }

    /** Changes the given fields; empty when the workspace does not exist. */
    public Optional<Workspace> update(WorkspaceId id, Optional<String> name, Optional<Integer> concurrencyLimit) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        UPDATE workspaces
                        SET name = coalesce(:name, name),
                            concurrency_limit = coalesce(:concurrencyLimit, concurrency_limit),
                            updated_at = :now
                        WHERE id = :id
                        RETURNING id, name, concurrency_limit, created_at, updated_at""")
                .bind("id", id.value())
                .bind("name", name.orElse(null))
                .bind("concurrencyLimit", concurrencyLimit.orElse(null))
                .bind("now", Rows.at(clock.instant()))
                .map(WorkspaceStore::workspace)
                .findOne());
    }

    /** Whether the workspace's emergency stop is on: while it is, no batch of the workspace dials. */
    public boolean dispatchPaused(WorkspaceId id) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT dispatch_paused FROM workspaces WHERE id = :id")
                .bind("id", id.value())
                .mapTo(Boolean.class)
                .findOne()
                .orElse(false));
    }

    /**
     * Turns the emergency stop on or off. It takes the workspace's lock, which every claim holds, so a claim either
     * sees it or committed before; dials already claimed are stopped by the dialer's gate. Turning it off wakes
     * every node's dispatcher.
     */
    public void setDispatchPaused(WorkspaceId id, boolean paused) {
        jdbi.useTransaction(handle -> {
            AttemptStore.lockWorkspace(handle, id);
            handle.createUpdate("UPDATE workspaces SET dispatch_paused = :paused, updated_at = :now WHERE id = :id")
                    .bind("id", id.value())
                    .bind("paused", paused)
                    .bind("now", Rows.at(clock.instant()))
                    .execute();
            if (!paused) {
                handle.execute("SELECT pg_notify('" + Notifications.WAKE + "', '')");
            }
        });
    }

    private Workspace insert(Handle handle, String name, int concurrencyLimit, boolean isDefault) {
        var now = clock.instant();
        return handle.createQuery("""
                        INSERT INTO workspaces (id, name, concurrency_limit, is_default, created_at, updated_at)
                        VALUES (:id, :name, :concurrencyLimit, :isDefault, :now, :now)
                        RETURNING id, name, concurrency_limit, created_at, updated_at""")
                .bind("id", ids.next(WorkspaceId.PREFIX))
                .bind("name", name)
                .bind("concurrencyLimit", concurrencyLimit)
                .bind("isDefault", isDefault)
                .bind("now", Rows.at(now))
                .map(WorkspaceStore::workspace)
                .one();
    }

    private static Optional<Workspace> findDefault(Handle handle) {
        return handle.createQuery("""
                        SELECT id, name, concurrency_limit, created_at, updated_at
                        FROM workspaces WHERE is_default""").map(WorkspaceStore::workspace).findOne();
    }

    static Workspace workspace(ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx) throws SQLException {
        return new Workspace(
                new WorkspaceId(rs.getString("id")),
                rs.getString("name"),
                rs.getInt("concurrency_limit"),
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "updated_at"));
    }

    /** Calls in flight per workspace, as counted by the claims and ends of every node. */
    public java.util.Map<WorkspaceId, Integer> callsInFlight() {
        var counts = new java.util.LinkedHashMap<WorkspaceId, Integer>();
        jdbi.useHandle(handle -> handle.createQuery("SELECT id, in_flight FROM workspaces_in_flight ORDER BY id")
                .map((rs, ctx) -> java.util.Map.entry(new WorkspaceId(rs.getString("id")), rs.getInt("in_flight")))
                .forEach(entry -> counts.put(entry.getKey(), entry.getValue())));
        return counts;
    }

    /** Keys are listed with their workspace by the admin API; kept here so the pair stays one query each. */
    public List<ApiKey> apiKeysOf(List<WorkspaceId> workspaces) {
        return ApiKeyStore.listFor(jdbi, workspaces);
    }
}
