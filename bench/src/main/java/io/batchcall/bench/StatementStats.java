package io.batchcall.bench;

import java.io.PrintStream;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * With {@code --statement-stats}: what the database's statements cost during one scenario, read from {@code
 * pg_stat_statements} (the server loads it when started with {@code BATCHCALL_DATABASE_STATEMENT_STATS}). Counted,
 * not timed: blocks touched and WAL records written move far less with a shared machine's load than times do, so two
 * runs of different code can be compared statement by statement. Emptied before each scenario, read after it.
 */
final class StatementStats {
    /** The statements kept per scenario, by time spent (execution and planning). */
    static final int TOP = 12;
    /** A query's text is kept to this many characters, on one line. */
    static final int QUERY_CHARACTERS = 160;

    private final BenchDatabase database;

    StatementStats(BenchDatabase database) {
        this.database = database;
    }

    /** One statement's cost over a scenario, as PostgreSQL normalised it (constants as $n). */
    record Statement(String query, long calls, double milliseconds, long rows, long blocks, long walRecords,
                     long walBytes) {
        Map<String, Object> details() {
            var details = new LinkedHashMap<String, Object>();
            details.put("query", query);
            details.put("calls", calls);
            details.put("ms", Math.round(milliseconds * 10) / 10.0);
            details.put("rows", rows);
            details.put("blocks", blocks);
            details.put("wal_records", walRecords);
            details.put("wal_bytes", walBytes);
            return details;
        }
    }

    void reset() {
        try (var connection = database.connection(); var statement = connection.createStatement()) {
            statement.execute("SELECT pg_stat_statements_reset()");
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot reset pg_stat_statements (was the server started with statement statistics?)", e);
        }
    }

    /** The scenario's most expensive statements, most first. */
    List<Statement> top() {
        try (var connection = database.connection(); var statement = connection.prepareStatement("""
                SELECT query, calls, total_exec_time + total_plan_time AS ms, rows,
                       shared_blks_hit + shared_blks_read + local_blks_hit + local_blks_read AS blocks,
                       wal_records, wal_bytes
                FROM pg_stat_statements
                WHERE query NOT LIKE '%pg_stat_statements%'
                ORDER BY total_exec_time + total_plan_time DESC
                LIMIT ?""")) {
            statement.setInt(1, TOP);
            var top = new ArrayList<Statement>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    top.add(new Statement(oneLine(rows.getString("query")), rows.getLong("calls"),
                            rows.getDouble("ms"), rows.getLong("rows"), rows.getLong("blocks"),
                            rows.getLong("wal_records"), rows.getLong("wal_bytes")));
                }
            }
            return top;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read pg_stat_statements", e);
        }
    }

    static void print(List<Statement> top, PrintStream out) {
        out.println("   statements by time (calls, ms, blocks, WAL records):");
        for (var s : top) {
            out.printf("   %8d %10.1f %10d %9d  %s%n", s.calls(), s.milliseconds(), s.blocks(), s.walRecords(),
                    s.query().length() > 90 ? s.query().substring(0, 90) : s.query());
        }
    }

    /** The query on one line (SQL comments dropped, runs of white space as one space), cut to its first characters. */
    static String oneLine(String query) {
        var text = query.replaceAll("--[^\\n]*", " ").replaceAll("\\s+", " ").strip();
        return text.length() > QUERY_CHARACTERS ? text.substring(0, QUERY_CHARACTERS) : text;
    }
}
