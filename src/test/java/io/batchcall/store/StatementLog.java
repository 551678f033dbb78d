package io.batchcall.store;

import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Every statement a database runs from the moment this starts logging, on one line each: the tests that count a
 * path's round trips read them.
 */
final class StatementLog {
    private final List<String> statements = new ArrayList<>();

    static StatementLog of(Database database) {
        var log = new StatementLog();
        database.jdbi().setSqlLogger(new SqlLogger() {
            @Override
            public void logAfterExecution(StatementContext context) {
                log.statements.add(context.getRenderedSql().strip().replaceAll("\\s+", " "));
            }
        });
        return log;
    }

    /** The statements run so far, in order. */
    List<String> statements() {
        return List.copyOf(statements);
    }

    void clear() {
        statements.clear();
    }
}
