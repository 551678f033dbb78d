package io.batchcall.store;

import java.sql.SQLException;
import org.jdbi.v3.core.transaction.SerializableTransactionRunner;

/**
 * Runs a transaction again when PostgreSQL chose it as the victim of a collision with another (a deadlock or a
 * serialization failure): the other one committed, and this one, run again, sees its result. Our lock order keeps
 * these rare; this keeps a rare one from reaching a user as a 500. Only the outermost transaction is run again, a
 * few times, and every transaction body here is database work alone, so running it twice does nothing twice (a
 * submit's {@link RecipientFeed} too: it gives a second try the runs it already gave the first).
 */
final class CollisionRetries extends SerializableTransactionRunner {
    static final int MAX_RETRIES = 3;

    CollisionRetries() {
        super();
    }

    private CollisionRetries(org.jdbi.v3.core.transaction.TransactionHandler delegate) {
        super(delegate);
    }

    /** Jdbi specialises the handler for each handle; the base class would hand back a plain runner. */
    @Override
    public org.jdbi.v3.core.transaction.TransactionHandler specialize(org.jdbi.v3.core.Handle handle)
            throws SQLException {
        return new CollisionRetries(getDelegate().specialize(handle));
    }

    @Override
    protected boolean isSqlState(String expectedSqlState, Throwable throwable) {
        for (var cause = throwable; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState().equals("40P01") || sql.getSQLState().equals("40001");
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }
}
