package io.batchcall.store;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.Optional;

/**
 * Tells a database failure that passes (the server is unreachable, restarting, out of connections, or two
 * transactions collided) from one that repeats for the same input whatever we wait (a value PostgreSQL refuses, a
 * constraint, a trigger). Writers retry the first kind and isolate the second, so that one bad row cannot hold
 * back everyone else's.
 */
public final class DatabaseFailures {
    private DatabaseFailures() {}

    /** True when waiting and trying the same statement again may succeed. */
    public static boolean isTransient(Throwable failure) {
        boolean statelessSqlFailure = false;
        for (var cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLTransientException || cause instanceof IOException) {
                return true;
            }
            if (cause instanceof SQLException sql) {
                if (sql.getSQLState() != null) {
                    return transientState(sql.getSQLState());
                }
                statelessSqlFailure = true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        // An SQL failure without a state is the driver losing its connection in a way it could not classify: it
        // passes. Anything that is not an SQL failure at all (a bug of ours, say) repeats: retrying cannot help.
        return statelessSqlFailure;
    }

    /** The first SQL state in the cause chain, for a log line that says what PostgreSQL refused. */
    public static Optional<String> sqlState(Throwable failure) {
        for (var cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                return Optional.of(sql.getSQLState());
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return Optional.empty();
    }

    private static boolean transientState(String state) {
        return state.startsWith("08") // connection exceptions
                || state.startsWith("53") // insufficient resources: too many connections, out of memory, disk full
                || state.startsWith("57P") // admin shutdown, crash shutdown, cannot connect now
                || state.equals("40001") // serialization failure
                || state.equals("40P01") // deadlock detected
                || state.equals("55P03") // lock not available
                || state.equals("57014"); // statement cancelled (a timeout), not a property of the data
    }
}
