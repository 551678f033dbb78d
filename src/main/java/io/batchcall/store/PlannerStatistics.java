package io.batchcall.store;

import org.jdbi.v3.core.Handle;

/**
 * Brings PostgreSQL's statistics of {@code recipients} up to date in the transaction that added or re-opened many of
 * them at once (a submit, an append, a retry), so that they are committed with the rows.
 *
 * <p>Why: the lifecycle's updates join their rows to {@code recipients} by primary key and keep only open ones ({@code
 * r.status = ANY(open)}). When the last ANALYZE saw every recipient finished, the planner believes one recipient at
 * most is open, and on a table small enough to read whole it scans it once and tests every open row against every
 * reported row: with a batch of 10,000 just submitted, one call-event group's update took 2.5 to 5.4 s (auto_explain:
 * a sequential scan of recipients, 1.5 to 2.5 million rows removed by the join filter), and the dial gate's look-ups
 * walked the batch by position the same way. Autovacuum fixes the statistics, but only on its next round (5 s for the
 * embedded database, a minute by PostgreSQL's default), which is when a new batch's first calls go.
 *
 * <p>Only a table small enough to read whole is at risk: the planner reads it whole only when that costs less than
 * looking up each reported call by key, and a call-event group holds at most 512. In {@code EXPLAIN} of that update
 * on tables whose statistics said no recipient was open, a group of 250 read the table whole at 860 pages and not at
 * 1,330, a group of 1,000 at 3,440 pages and not at 12,270; so tables of up to 20,000 pages (160 MB) are analyzed,
 * larger ones are left to autovacuum. Below 500 recipients changed (autovacuum's own threshold for this
 * table, V158), a misestimate costs little: the scans it causes are over a few hundred rows. Only the columns those
 * look-ups and filters are estimated by are analyzed, from a sample of 3,000 rows (statistics target 10): status has
 * eight values, and autovacuum's next round replaces these with its full statistics. On a table of 400,000
 * recipients (12,000 pages) that took 34 to 58 ms, against 280 to 330 ms for the whole table at the default target.
 * {@code SKIP_LOCKED}: when autovacuum is working on the table, it is about to refresh the statistics itself, and the
 * request must not wait for it.
 */
final class PlannerStatistics {
    /** Autovacuum analyzes recipients after this many changed rows (and 1%, V158); fewer cost little misestimated. */
    static final int AT_LEAST_ROWS = 500;
    /** Above this size the planner does not read recipients whole for a call-event group: nothing to refresh for. */
    static final long AT_MOST_PAGES = 20_000;

    private PlannerStatistics() {}

    /**
     * After {@code rows} recipients were inserted or sent back to pending in this transaction: ANALYZE {@code
     * recipients} when they are many and the table is small enough to be read whole. True when it did.
     */
    static boolean afterRecipientsChanged(Handle handle, int rows) {
        return afterRecipientsChanged(handle, rows, AT_MOST_PAGES);
    }

    static boolean afterRecipientsChanged(Handle handle, int rows, long atMostPages) {
        if (rows < AT_LEAST_ROWS) {
            return false;
        }
        if (pages(handle) > atMostPages) {
            return false;
        }
        // Until the transaction ends; nothing after this in a submit, append or retry analyzes.
        handle.execute("SET LOCAL default_statistics_target = 10");
        handle.execute("ANALYZE (SKIP_LOCKED) recipients (workspace_id, batch_id, status)");
        return true;
    }

    /** The table's size in pages now, the rows just written included (pg_class.relpages is as of the last ANALYZE). */
    static long pages(Handle handle) {
        return handle.createQuery("SELECT pg_relation_size('recipients') / current_setting('block_size')::bigint")
                .mapTo(Long.class)
                .one();
    }
}
