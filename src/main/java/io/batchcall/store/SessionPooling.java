package io.batchcall.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Refuses a connection pooler that hands one server session to several clients (PgBouncer's {@code transaction} or
 * {@code statement} pool mode). batchcall needs a session of its own per connection: the dispatcher LISTENs for
 * wake-ups and cancels on one, and a session-level setting or lock taken on a shared session would leak to another
 * client. Behind such a pooler it would start and seem to work while wake-ups and cancels went missing, so it stops
 * at once instead, saying why.
 *
 * <p>The test: two connections open at the same time each ask for their server process. With a session of their
 * own they can never share one. A transaction-mode pooler releases the first one's server session when its query
 * ends and, reusing the most recent first (PgBouncer's default), gives the same session to the second.
 */
final class SessionPooling {
    private SessionPooling() {}

    static void requireOwnSessions(DataSource dataSource) {
        try (Connection first = dataSource.getConnection();
                Connection second = dataSource.getConnection()) {
            first.setAutoCommit(true);
            second.setAutoCommit(true);
            int firstProcess = serverProcess(first);
            int secondProcess = serverProcess(second);
            if (firstProcess == secondProcess) {
                throw new IllegalStateException("""
                        The database connection goes through a pooler that shares server sessions between \
                        clients (PgBouncer with pool_mode = transaction or statement): two connections open at \
                        once were served by the same PostgreSQL process. batchcall needs session pooling \
                        (LISTEN/NOTIFY and session locks): set pool_mode = session for its database, or connect \
                        to PostgreSQL directly.""");
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "Could not check how the database connection is pooled: " + e.getMessage(), e);
        }
    }

    private static int serverProcess(Connection connection) throws SQLException {
        try (var statement = connection.createStatement();
                var result = statement.executeQuery("SELECT pg_backend_pid()")) {
            result.next();
            return result.getInt(1);
        }
    }
}
