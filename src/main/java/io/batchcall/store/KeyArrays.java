package io.batchcall.store;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.BatchRef;
import java.util.List;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * Binds a list of batch or attempt keys as the two arrays {@code :workspaceIds} and {@code :ids}, in the list's
 * order, for statements that join them with {@code unnest(:workspaceIds, :ids)}: the one way the store passes many
 * keys to one statement; and the attempts a group moved as their recipients' keys with their attempt ids.
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

    /**
     * The recipients of attempts a statement moved, as {@code :workspaceIds}, {@code :batchIds}, {@code :ids} (the
     * recipients') and {@code :attemptIds}, in the list's order, for {@code unnest(...)} of the four.
     */
    static <T extends SqlStatement<T>> T moved(T statement, List<AttemptLifecycle.Moved> moved) {
        return statement
                .bindArray(
                        "workspaceIds",
                        String.class,
                        moved.stream()
                                .map(m -> m.attempt().workspaceId().value())
                                .toList())
                .bindArray(
                        "batchIds",
                        String.class,
                        moved.stream().map(AttemptLifecycle.Moved::batchId).toList())
                .bindArray(
                        "ids",
                        String.class,
                        moved.stream().map(AttemptLifecycle.Moved::recipientId).toList())
                .bindArray(
                        "attemptIds",
                        String.class,
                        moved.stream().map(m -> m.attempt().attemptId()).toList());
    }
}
