package io.batchcall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatementStatsTest {
    @TempDir
    Path directory;

    @Test
    void a_statement_is_shown_on_one_line_without_its_comments() {
        var query = """
                -- Why the lock comes first.
                SELECT a.id FROM attempts a
                    JOIN unnest($1, $2) AS t(workspace_id, id) -- the key
                      ON a.workspace_id = t.workspace_id""";

        assertThat(StatementStats.oneLine(query))
                .isEqualTo("SELECT a.id FROM attempts a JOIN unnest($1, $2) AS t(workspace_id, id) ON a.workspace_id"
                        + " = t.workspace_id");
    }

    @Test
    void a_long_statement_is_cut_to_its_first_characters() {
        var query = "SELECT " + "x, ".repeat(200) + "y FROM t";

        assertThat(StatementStats.oneLine(query)).hasSize(StatementStats.QUERY_CHARACTERS).startsWith("SELECT x, x,");
    }

    @Test
    void statement_statistics_are_off_unless_asked_for() throws IOException {
        var jar = Files.createFile(directory.resolve("batchcall.jar")).toString();

        assertThat(Bench.Options.parse(new String[] {"--server-jar", jar, "--quick"}).statementStats()).isFalse();
        assertThat(Bench.Options.parse(new String[] {"--server-jar", jar, "--quick", "--statement-stats"})
                .statementStats()).isTrue();
    }
}
