package io.batchcall.store;

import io.batchcall.domain.WorkspaceId;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Idempotency keys. A key is claimed inside the transaction of the change it guards; a concurrent request with
 * the same key waits on the row until that transaction ends, then replays it. Keys live for 24 hours.
 */
public final class IdempotencyStore {
    public static final Duration RETENTION = Duration.ofHours(24);

    private final Jdbi jdbi;
    private final Clock clock;

    public IdempotencyStore(Database database, Clock clock) {
        this.jdbi = database.jdbi();
        this.clock = clock;
    }

    /**
     * Within {@code handle}'s transaction: claims the key for {@code resourceId}, or returns what the key already
     * stands for. An expired key (older than the retention) is claimed afresh.
     */
    static <T> Optional<Idempotent<T>> claim(
            Handle handle, WorkspaceId workspace, IdempotencyClaim claim, String resourceId, Instant now) {
        var inserted = handle.createQuery("""
                        INSERT INTO idempotency_keys (workspace_id, key, request_hash, resource_id, created_at)
                        VALUES (:workspaceId, :key, :hash, :resourceId, :now)
                        ON CONFLICT (workspace_id, key) DO UPDATE
                            SET request_hash = excluded.request_hash, resource_id = excluded.resource_id,
                                response_status = NULL, response_body = NULL, created_at = excluded.created_at
                            WHERE idempotency_keys.created_at < :expired
                        RETURNING key""")
                .bind("workspaceId", workspace.value())
                .bind("key", claim.key())
                .bind("hash", claim.requestHash())
                .bind("resourceId", resourceId)
                .bind("now", Rows.at(now))
                .bind("expired", Rows.at(now.minus(RETENTION)))
                .mapTo(String.class)
                .findOne();
        if (inserted.isPresent()) {
            return Optional.empty();
        }
        return Optional.of(handle.createQuery("""
                        SELECT request_hash, resource_id, response_status, response_body
                        FROM idempotency_keys WHERE workspace_id = :workspaceId AND key = :key""")
                .bind("workspaceId", workspace.value())
                .bind("key", claim.key())
                .map((rs, ctx) -> MessageDigest.isEqual(rs.getBytes("request_hash"), claim.requestHash())
                        ? new Idempotent.Replay<T>(
                                rs.getString("resource_id"),
                                Optional.ofNullable((Integer) rs.getObject("response_status")),
                                Optional.ofNullable(rs.getString("response_body")))
                        : new Idempotent.KeyReused<T>())
                .one());
    }

    /**
     * Within the claiming transaction: gives a fresh claim back when the change found nothing to act on (no such
     * batch, a 404), so that a refused request leaves no key behind.
     */
    static void unclaim(Handle handle, WorkspaceId workspace, Optional<IdempotencyClaim> claim) {
        claim.ifPresent(c -> handle.createUpdate(
                        "DELETE FROM idempotency_keys WHERE workspace_id = :workspaceId" + " AND key = :key")
                .bind("workspaceId", workspace.value())
                .bind("key", c.key())
                .execute());
    }

    /**
     * Runs {@code change} in a transaction that first claims the key (when there is one). The change runs only
     * for a fresh claim; otherwise the earlier outcome is returned and nothing changes.
     */
    <T> Idempotent<T> inTransaction(
            WorkspaceId workspace, Optional<IdempotencyClaim> claim, String resourceId, TransactionalChange<T> change) {
        return jdbi.inTransaction(handle -> {
            var now = clock.instant();
            if (claim.isPresent()) {
                Optional<Idempotent<T>> earlier = claim(handle, workspace, claim.get(), resourceId, now);
                if (earlier.isPresent()) {
                    return earlier.get();
                }
            }
            return new Idempotent.Done<>(change.apply(handle, now));
        });
    }

    /** A change made inside a transaction, at one instant. */
    @FunctionalInterface
    interface TransactionalChange<T> {
        T apply(Handle handle, Instant now);
    }

    /** Stores the response given for a claimed key, for replay. */
    public void recordResponse(WorkspaceId workspace, String key, int status, String body) {
        jdbi.useHandle(handle -> handle.createUpdate("""
                        UPDATE idempotency_keys SET response_status = :status, response_body = :body
                        WHERE workspace_id = :workspaceId AND key = :key""")
                .bind("workspaceId", workspace.value())
                .bind("key", key)
                .bind("status", status)
                .bind("body", body)
                .execute());
    }

    /** Deletes keys past their retention; returns how many. */
    public int deleteExpired() {
        return jdbi.withHandle(handle -> handle.createUpdate("DELETE FROM idempotency_keys WHERE created_at < :expired")
                .bind("expired", Rows.at(clock.instant().minus(RETENTION)))
                .execute());
    }
}
