package io.batchcall.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedded PostgreSQL server batchcall started, reached directly: the baselines run on it (in schemas of their
 * own), and transactions are counted on it. Same server, same settings, so the comparison is like for like.
 */
final class BenchDatabase implements AutoCloseable {
    /** The server's own pool size: the peer gets the same number of connections as batchcall. */
    static final int SERVER_POOL_SIZE = 20;

    private final HikariDataSource dataSource;

    BenchDatabase(String jdbcUrl) {
        this.dataSource = pool(jdbcUrl, "bench", SERVER_POOL_SIZE);
    }

    static HikariDataSource pool(String jdbcUrl, String name, int size) {
        var config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername("postgres");
        config.setPoolName(name);
        config.setMaximumPoolSize(size);
        return new HikariDataSource(config);
    }

    HikariDataSource dataSource() {
        return dataSource;
    }

    Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    /** Transactions so far: those that wrote (a transaction id was assigned), and all commits. */
    record TransactionCounts(long writes, long commits) {
        /** What happened between two readings; the later reading's own transaction id is not counted. */
        TransactionCounts minus(TransactionCounts earlier) {
            return new TransactionCounts(writes - earlier.writes - 1, commits - earlier.commits);
        }
    }

    /**
     * Waits, up to {@code patience}, until the server has nothing left of the scenarios before: its post-call sends
     * (due 30 s after each call's end) sent and no autovacuum worker running. A baseline measured before that shares
     * the database with them, and its CPU (the database's, all of it) counts their work. Returns how long it waited;
     * after {@code patience} the baseline goes on with whatever is still running.
     */
    Duration awaitServerIdle(Duration patience) {
        long started = System.nanoTime();
        long deadline = started + patience.toNanos();
        try (var connection = connection(); var statement = connection.createStatement()) {
            while (System.nanoTime() < deadline) {
                try (var rows = statement.executeQuery("""
                        SELECT (SELECT count(*) FROM public.post_call_queue)
                             + (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker')""")) {
                    rows.next();
                    if (rows.getLong(1) == 0) {
                        break;
                    }
                }
                Pause.of(Duration.ofMillis(200));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read whether the server is idle", e);
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /**
     * The database's transaction counters. Writing transactions come from the transaction id counter, exact at
     * once. Commits come from {@code pg_stat_database.xact_commit}, which other backends report up to 10 s late:
     * the read waits {@code settle} first, so that the work just done is counted.
     */
    TransactionCounts transactions(Duration settle) {
        Pause.of(settle);
        try (var connection = connection(); var statement = connection.createStatement()) {
            long commits;
            try (var rows = statement.executeQuery(
                    "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")) {
                rows.next();
                commits = rows.getLong(1);
            }
            // pg_current_xact_id() assigns an id itself: minus() leaves that one out.
            try (var rows = statement.executeQuery("SELECT pg_current_xact_id()::text::bigint")) {
                rows.next();
                return new TransactionCounts(rows.getLong(1), commits);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read transaction counters", e);
        }
    }

    /**
     * What has been written to {@code schema}'s tables so far ({@link TableWrites}). Read it right after
     * {@link #transactions}, whose pause lets the backends' counters arrive.
     */
    TableWrites tableWrites(String schema) {
        try {
            reportCounters(dataSource, SERVER_POOL_SIZE);
            try (var connection = connection()) {
                return TableWrites.read(connection, schema);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the tables' counters", e);
        }
    }

    /**
     * A backend reports its table counters when a transaction ends, at most once a second, and an idle one only some
     * ten seconds later: a statement on every connection of a pool whose connections wrote (this one, used by the
     * floors' workers; db-scheduler's own), a second or more after they went idle, makes each report what it wrote.
     * The server's own connections are not reachable from here: after the full run's pause of 11 s they have
     * reported, after a quick run's 2 s not all of them, so a quick run's counts for batchcall are low.
     */
    static void reportCounters(HikariDataSource pool, int size) throws SQLException {
        var held = new java.util.ArrayList<Connection>();
        try {
            for (int i = 0; i < size; i++) {
                var connection = pool.getConnection();
                held.add(connection);
                try (var statement = connection.createStatement()) {
                    statement.execute("SELECT 1");
                }
            }
        } finally {
            for (var connection : held) {
                connection.close();
            }
        }
    }

    /** The durability settings every party ran with (they share the server, so they are the same for all). */
    Map<String, String> durabilitySettings() {
        var settings = new LinkedHashMap<String, String>();
        try (var connection = connection(); var statement = connection.createStatement()) {
            for (var name : List.of("server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_level",
                    "shared_buffers", "max_connections")) {
                try (var rows = statement.executeQuery("SHOW " + name)) {
                    rows.next();
                    settings.put(name, rows.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the server's settings", e);
        }
        return settings;
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
