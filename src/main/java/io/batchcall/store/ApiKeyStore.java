package io.batchcall.store;

import io.batchcall.domain.ApiKey;
import io.batchcall.domain.ApiKeySecret;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.Workspace;
import io.batchcall.domain.WorkspaceId;
import java.security.MessageDigest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** API keys: issuing, revoking, and resolving a presented key to its workspace. */
public final class ApiKeyStore {
    /** last_used_at is a hint for people; writing it on every request would turn every read into a write. */
    private static final Duration LAST_USED_RESOLUTION = Duration.ofMinutes(1);

    private final Jdbi jdbi;
    private final Clock clock;
    private final IdSource ids;

    public ApiKeyStore(Database database, Clock clock, IdSource ids) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.ids = ids;
    }

    /**
     * The workspace a live (unrevoked) key belongs to, read afresh on every request so that a revocation holds at
     * once on every node. The look-up and the last_used_at touch are one statement: every API request pays for
     * this, and a second round trip was a third of a list page's statements.
     */
    public Optional<Workspace> authenticate(ApiKeySecret presented) {
        var hash = presented.hash();
        var now = clock.instant();
        return jdbi.withHandle(handle -> handle.createQuery("""
                        WITH found AS (
                            SELECT k.id AS key_id, k.key_hash, w.id, w.name, w.concurrency_limit, w.created_at,
                                   w.updated_at
                            FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id
                            WHERE k.key_hash = :hash AND k.revoked_at IS NULL),
                        touched AS (
                            UPDATE api_keys k SET last_used_at = :now
                            FROM found
                            WHERE k.workspace_id = found.id AND k.id = found.key_id
                              AND (k.last_used_at IS NULL OR k.last_used_at < :stale))
                        SELECT * FROM found""")
                .bind("hash", hash)
                .bind("now", Rows.at(now))
                .bind("stale", Rows.at(now.minus(LAST_USED_RESOLUTION)))
                .map((rs, ctx) -> MessageDigest.isEqual(hash, rs.getBytes("key_hash"))
                        ? Optional.of(WorkspaceStore.workspace(rs, ctx))
                        : Optional.<Workspace>empty())
                .findOne()
                .flatMap(workspace -> workspace));
    }

    /** Adds a key to an existing workspace; empty when the workspace does not exist. */
    public Optional<ApiKey> issue(WorkspaceId workspace, ApiKeySecret key) {
        return jdbi.inTransaction(handle -> {
            boolean exists = handle.createQuery("SELECT true FROM workspaces WHERE id = :id")
                    .bind("id", workspace.value())
                    .mapTo(Boolean.class)
                    .findOne()
                    .isPresent();
            return exists ? Optional.of(insert(handle, workspace, key, ids, clock)) : Optional.empty();
        });
    }

    /** True when the key is known (to this workspace) by its hash, revoked or not. */
    public boolean exists(ApiKeySecret key) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT true FROM api_keys WHERE key_hash = :hash")
                .bind("hash", key.hash())
                .mapTo(Boolean.class)
                .findOne()
                .isPresent());
    }

    /** Revokes a key at once; false when there is no such live key in that workspace. */
    public boolean revoke(WorkspaceId workspace, String keyId) {
        return jdbi.withHandle(handle -> handle.createUpdate("""
                        UPDATE api_keys SET revoked_at = :now
                        WHERE workspace_id = :workspaceId AND id = :keyId AND revoked_at IS NULL""")
                        .bind("workspaceId", workspace.value())
                        .bind("keyId", keyId)
                        .bind("now", Rows.at(clock.instant()))
                        .execute())
                == 1;
    }

    static ApiKey insert(Handle handle, WorkspaceId workspace, ApiKeySecret key, IdSource ids, Clock clock) {
        return handle.createQuery("""
                        INSERT INTO api_keys (workspace_id, id, key_hash, prefix, created_at)
                        VALUES (:workspaceId, :id, :hash, :prefix, :now)
                        RETURNING workspace_id, id, prefix, created_at, last_used_at, revoked_at""")
                .bind("workspaceId", workspace.value())
                .bind("id", ids.next(ApiKey.ID_PREFIX))
                .bind("hash", key.hash())
                .bind("prefix", key.visiblePrefix())
                .bind("now", Rows.at(clock.instant()))
                .map(ApiKeyStore::apiKey)
                .one();
    }

    static List<ApiKey> listFor(Jdbi jdbi, List<WorkspaceId> workspaces) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT workspace_id, id, prefix, created_at, last_used_at, revoked_at
                        FROM api_keys WHERE workspace_id = ANY(:workspaceIds)
                        ORDER BY workspace_id, created_at, id""")
                .bindArray(
                        "workspaceIds",
                        String.class,
                        workspaces.stream().map(WorkspaceId::value).toList())
                .map(ApiKeyStore::apiKey)
                .list());
    }

    private static ApiKey apiKey(ResultSet rs, StatementContext ctx) throws SQLException {
        return new ApiKey(
                rs.getString("id"),
                new WorkspaceId(rs.getString("workspace_id")),
                rs.getString("prefix"),
                Rows.instant(rs, "created_at"),
                Rows.optionalInstant(rs, "last_used_at"),
                Rows.optionalInstant(rs, "revoked_at"));
    }
}
