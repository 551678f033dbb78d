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
 * <p>Only a change that is a large share of the table can mislead the planner this way: on a table much larger than
 * the change, a sequential scan costs more than the look-ups by key and is not chosen. Only the columns those
 * look-ups and filters are estimated by are analyzed, from a sample of 3,000 rows (statistics target 10): status
 * has eight values, and autovacuum's next round replaces these with its full statistics. On a table of 400,000
 * recipients that took 34 to 58 ms, against 280 to 330 ms for the whole table at the default target (30,000 rows).
 * {@code SKIP_LOCKED}: when autovacuum is working on the table, it is about to refresh the statistics itself, and
 * the request must not wait for it.
 */
final class PlannerStatistics {
    /** Below this many rows changed, a misestimate costs little: the scans it causes are over a few rows. */
    static final int AT_LEAST_ROWS = 1_000;
    /** The share of the table's rows (as the planner last counted them) a change must reach. */
    static final double AT_LEAST_SHARE = 0.1;

    private PlannerStatistics() {}

    /**
     * After {@code rows} recipients were inserted or sent back to pending in this transaction: ANALYZE {@code
     * recipients} when they are many and a large share of the table. True when it did.
     */
    static boolean afterRecipientsChanged(Handle handle, int rows) {
        if (rows < AT_LEAST_ROWS) {
            return false;
        }
        // reltuples is -1 before the table's first ANALYZE or VACUUM: then the planner knows nothing either.
        double counted = handle.createQuery("SELECT reltuples FROM pg_class WHERE oid = 'recipients'::regclass")
                .mapTo(Double.class)
                .one();
        if (counted >= 0 && rows < counted * AT_LEAST_SHARE) {
            return false;
        }
        // Until the transaction ends; nothing after this in a submit, append or retry analyzes.
        handle.execute("SET LOCAL default_statistics_target = 10");
        handle.execute("ANALYZE (SKIP_LOCKED) recipients (workspace_id, batch_id, status)");
        return true;
    }
}
