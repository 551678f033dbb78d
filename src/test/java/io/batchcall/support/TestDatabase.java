package io.batchcall.support;

import io.batchcall.store.EmbeddedPostgresServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL per test JVM (the same embedded binaries the server ships), and a fresh database in it for
 * each test class that asks. To the server under test it is an external database reached by URL.
 */
public final class TestDatabase {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres server;

    private TestDatabase() {}

    private static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                // The text order the server gives its own embedded database, so that tests see what users get.
                server = EmbeddedPostgresServer.withCodePointOrder(EmbeddedPostgres.builder())
                        .setServerConfig("max_connections", "400")
                        // Tests need no durability across a crash of the test JVM; this makes commits cheap.
                        .setServerConfig("fsync", "off")
                        .setServerConfig("synchronous_commit", "off")
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return server;
    }

    /** Creates an empty database and returns its JDBC URL (user {@code postgres}, no password). */
    public static String freshDatabaseUrl() {
        var name = "test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        try (var connection = server().getPostgresDatabase().getConnection();
                var statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create test database " + name, e);
        }
        return server().getJdbcUrl("postgres", name);
    }
}
