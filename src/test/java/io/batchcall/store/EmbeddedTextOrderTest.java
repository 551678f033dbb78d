package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded database orders text by code point with PostgreSQL's own provider, not by the host's locale, and a
 * data directory made before that keeps working with the order it was made with.
 */
class EmbeddedTextOrderTest {
    @TempDir
    Path data;

    @Test
    void a_new_data_directory_orders_text_by_code_point_and_matches_case_across_unicode() throws SQLException {
        try (var server = EmbeddedPostgresServer.start(data, false);
                var connection = DriverManager.getConnection(server.jdbcUrl(), server.user(), "");
                var statement = connection.createStatement()) {
            assertThat(provider(statement)).isEqualTo("builtin C.UTF-8");
            // A libc locale such as en_US interleaves upper and lower case and puts an accented letter beside its own.
            assertThat(strings(statement, """
                    SELECT x FROM (VALUES ('b'), ('B'), ('a'), ('é'), ('Z'), ('_')) AS v (x) ORDER BY x""")).containsExactly("B", "Z", "_", "a", "b", "é");
            // Agents' and numbers' searches use ILIKE: a name in capitals is found by its lower case, accents too.
            assertThat(strings(statement, "SELECT ('ÉCOLE DU SOIR' ILIKE '%école%')::text"))
                    .containsExactly("true");
        }
    }

    @Test
    void a_data_directory_made_before_keeps_its_rows_and_its_own_order() throws Exception {
        var pgData = data.resolve("postgres");
        String providerBefore;
        List<String> orderBefore;
        try (var before = EmbeddedPostgres.builder()
                        .setDataDirectory(pgData)
                        .setCleanDataDirectory(false)
                        .setLocaleConfig("locale-provider", "libc")
                        .start();
                var connection = before.getPostgresDatabase().getConnection();
                var statement = connection.createStatement()) {
            statement.execute("CREATE TABLE kept (name text PRIMARY KEY)");
            statement.execute("INSERT INTO kept VALUES ('b'), ('B'), ('a'), ('é'), ('_')");
            providerBefore = provider(statement);
            orderBefore = strings(statement, KEPT_IN_ORDER);
        }

        try (var server = EmbeddedPostgresServer.start(data, false);
                var connection = DriverManager.getConnection(server.jdbcUrl(), server.user(), "");
                var statement = connection.createStatement()) {
            assertThat(provider(statement)).startsWith("libc ").isEqualTo(providerBefore);
            assertThat(strings(statement, KEPT_IN_ORDER)).hasSize(5).isEqualTo(orderBefore);
        }
    }

    private static final String KEPT_IN_ORDER = "SELECT name FROM kept ORDER BY name";

    private static String provider(Statement statement) throws SQLException {
        return strings(statement, """
                        SELECT CASE datlocprovider WHEN 'b' THEN 'builtin ' || datlocale
                                                   WHEN 'c' THEN 'libc ' || datcollate
                                                   ELSE datlocprovider::text END
                        FROM pg_database WHERE datname = current_database()""").getFirst();
    }

    private static List<String> strings(Statement statement, String sql) throws SQLException {
        var values = new ArrayList<String>();
        try (var rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }
}
