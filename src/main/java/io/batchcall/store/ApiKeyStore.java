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

    /** The workspace a live (unrevoked) key belongs to. */
    public Optional<Workspace> authenticate(ApiKeySecret presented) {
        var hash = presented.hash();
        return jdbi.withHandle(handle -> {
            var found = handle.createQuery("""
                            SELECT k.id AS key_id, k.key_hash, k.last_used_at,
                                   w.id, w.name, w.concurrency_limit, w.created_at, w.updated_at
                            FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id
                            WHERE k.key_hash = :hash AND k.revoked_at IS NULL""")
                    .bind("hash", hash)
                    .map((rs, ctx) -> MessageDigest.isEqual(hash, rs.getBytes("key_hash"))
                            ? Optional.of(new Match(rs.getString("key_id"), WorkspaceStore.workspace(rs, ctx)))
                            : Optional.<Match>empty())
                    .findOne()
                    .flatMap(match -> match);
            found.ifPresent(match -> touch(handle, match));
            return found.map(Match::workspace);
        });
    }

    private record Match(String keyId, Workspace workspace) {}

    private void touch(Handle handle, Match match) {
        var now = clock.instant();
        handle.createUpdate("""
                        UPDATE api_keys SET last_used_at = :now
                        WHERE workspace_id = :workspaceId AND id = :keyId
                          AND (last_used_at IS NULL OR last_used_at < :stale)""")
                .bind("workspaceId", match.workspace().id().value())
                .bind("keyId", match.keyId())
                .bind("now", Rows.at(now))
                .bind("stale", Rows.at(now.minus(LAST_USED_RESOLUTION)))
                .execute();
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
