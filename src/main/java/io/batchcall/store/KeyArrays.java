package io.batchcall.store;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.BatchRef;
import java.util.List;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * Binds a list of batch or attempt keys as the two arrays {@code :workspaceIds} and {@code :ids}, in the list's
 * order, for statements that join them with {@code unnest(:workspaceIds, :ids)}: the one way the store passes many
 * keys to one statement.
 */
final class KeyArrays {
    private KeyArrays() {}

    static <T extends SqlStatement<T>> T batches(T statement, List<BatchRef> batches) {
        return statement
                .bindArray(
                        "workspaceIds",
                        String.class,
                        batches.stream().map(b -> b.workspaceId().value()).toList())
                .bindArray(
                        "ids",
                        String.class,
                        batches.stream().map(BatchRef::batchId).toList());
    }

    static <T extends SqlStatement<T>> T attempts(T statement, List<AttemptRef> attempts) {
        return statement
                .bindArray(
                        "workspaceIds",
                        String.class,
                        attempts.stream().map(a -> a.workspaceId().value()).toList())
                .bindArray(
                        "ids",
                        String.class,
                        attempts.stream().map(AttemptRef::attemptId).toList());
    }
}
