package io.batchcall.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What was written to a schema's tables, from PostgreSQL's own counters ({@code pg_stat_user_tables}): row versions
 * (each insert and each update writes one) and index entries (each insert, and each update that is not HOT, adds one
 * to every index of its table). On two cores a dispatcher's rate is bounded by what it writes per recipient, so this
 * is how batchcall's dispatch and {@link ModelFloor} are shown to write the same.
 *
 * <p>Index entries are an upper bound: a partial index gets an entry only for rows its predicate admits, and this
 * counts one for every row; BRIN indexes, which summarise ranges of pages, are not counted. The same rule applies to
 * every party, so their figures compare. The counters are reported by each backend up to about ten seconds late:
 * read them after the same settling pause as the transaction counters ({@link BenchDatabase#transactions}): the
 * full run's 11 s. A quick run's pause is 2 s, so its counts are approximate, low by up to the last seconds' writes.
 */
record TableWrites(Map<String, Table> tables) {

    /**
     * One table's counters, and how many of its indexes get an entry per row. Deletes write no new row version (they
     * mark the old one, and vacuum removes it), so they are shown but not counted as versions.
     */
    record Table(long inserts, long updates, long hotUpdates, long deletes, int indexes) {
        long rowVersions() {
            return inserts + updates;
        }

        long indexEntries() {
            return (inserts + updates - hotUpdates) * indexes;
        }

        Table minus(Table earlier) {
            return new Table(inserts - earlier.inserts, updates - earlier.updates, hotUpdates - earlier.hotUpdates,
                    deletes - earlier.deletes, indexes);
        }
    }

    private static final String READ = """
            SELECT t.relname, t.n_tup_ins, t.n_tup_upd, t.n_tup_hot_upd, t.n_tup_del,
                   (SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                                    JOIN pg_am am ON am.oid = c.relam
                    WHERE i.indrelid = t.relid AND am.amname <> 'brin') AS indexes
            FROM pg_stat_user_tables t
            WHERE t.schemaname = ?""";

    static TableWrites read(Connection connection, String schema) throws SQLException {
        var tables = new TreeMap<String, Table>();
        try (var statement = connection.prepareStatement(READ)) {
            statement.setString(1, schema);
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    tables.put(rows.getString(1), new Table(rows.getLong(2), rows.getLong(3), rows.getLong(4),
                            rows.getLong(5), rows.getInt(6)));
                }
            }
        }
        return new TableWrites(tables);
    }

    /** What was written between {@code earlier} and this reading; tables made since count from nothing. */
    TableWrites minus(TableWrites earlier) {
        var difference = new TreeMap<String, Table>();
        tables.forEach((name, table) -> {
            var before = earlier.tables.getOrDefault(name, new Table(0, 0, 0, 0, table.indexes()));
            var written = table.minus(before);
            if (written.rowVersions() > 0 || written.deletes() > 0) {
                difference.put(name, written);
            }
        });
        return new TableWrites(difference);
    }

    double rowVersionsPer(int recipients) {
        return tables.values().stream().mapToLong(Table::rowVersions).sum() / (double) recipients;
    }

    double indexEntriesPer(int recipients) {
        return tables.values().stream().mapToLong(Table::indexEntries).sum() / (double) recipients;
    }

    /** Per table: row versions and index entries per recipient, inserts, updates and deletes apart, and its indexes. */
    Map<String, Object> details(int recipients) {
        var details = new LinkedHashMap<String, Object>();
        details.put("row_versions_per_recipient", rowVersionsPer(recipients));
        details.put("index_entries_per_recipient", indexEntriesPer(recipients));
        var byTable = new LinkedHashMap<String, Object>();
        tables.forEach((name, table) -> byTable.put(name, Map.of(
                "inserts_per_recipient", table.inserts() / (double) recipients,
                "updates_per_recipient", table.updates() / (double) recipients,
                "hot_updates_per_recipient", table.hotUpdates() / (double) recipients,
                "deletes_per_recipient", table.deletes() / (double) recipients,
                "indexes", table.indexes())));
        details.put("tables", byTable);
        return details;
    }
}
