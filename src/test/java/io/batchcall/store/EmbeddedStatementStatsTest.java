package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code BATCHCALL_DATABASE_STATEMENT_STATS}: the embedded PostgreSQL loads {@code pg_stat_statements} and has its
 * view, which counts what batchcall's connections run; without it there is no such view.
 */
class EmbeddedStatementStatsTest {
    @TempDir
    Path data;

    @Test
    void with_statement_statistics_each_statement_is_counted_in_the_view() throws SQLException {
        try (var server = EmbeddedPostgresServer.start(data, true);
                var connection = DriverManager.getConnection(server.jdbcUrl(), server.user(), "");
                var statement = connection.createStatement()) {
            for (int i = 0; i < 3; i++) {
                statement.execute("SELECT count(*) AS counted_for_the_test FROM pg_class");
            }

            try (var rows = statement.executeQuery("""
                    SELECT calls, shared_blks_hit + shared_blks_read AS blocks FROM pg_stat_statements
                    WHERE query LIKE '%counted_for_the_test%' AND query NOT LIKE '%pg_stat_statements%'""")) {
                assertThat(rows.next()).as("the statement is in the view").isTrue();
                assertThat(rows.getLong("calls")).isEqualTo(3);
                assertThat(rows.getLong("blocks")).isPositive();
            }
        }
    }

    @Test
    void without_them_the_database_has_no_such_view() throws SQLException {
        try (var server = EmbeddedPostgresServer.start(data, false);
                var connection = DriverManager.getConnection(server.jdbcUrl(), server.user(), "");
                var statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.executeQuery("SELECT calls FROM pg_stat_statements"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("pg_stat_statements");
        }
    }
}
