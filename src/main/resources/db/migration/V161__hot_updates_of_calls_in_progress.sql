-- A call moves its attempt, its recipient and its conversation forward three or four times in a few seconds. Each
-- move is an UPDATE, and PostgreSQL writes a new row version for it: into every index of the table (an entry per
-- index), unless the update is "heap-only" (HOT). An update is HOT when no column any index reads changes (key,
-- expression or predicate) and the new version fits on the row's own page. Before this migration none of these
-- moves was: bench/run's quick dispatch of 10,000 calls made 40,145 updates of attempts and 54,698 of recipients,
-- none HOT, most of them onto a new page.
--
-- Three things stood in the way, and each is changed here without changing what any index holds:
--
-- 1. Recipients: the indexes of pending and held recipients named `status` in their predicates, so every move of
--    a recipient's status wrote an entry into all five of its indexes, even the moves after it was dispatched
--    (initiated, in_progress, its final status), which change no index's contents. The predicates now read
--    `pending`, a stored column computed from `status`: it changes only when a recipient leaves or re-enters
--    pending (its claim, a retry), so the moves after the claim touch no indexed column.
ALTER TABLE recipients ADD COLUMN pending boolean GENERATED ALWAYS AS (status = 'pending') STORED;

DROP INDEX recipients_pending;
CREATE INDEX recipients_pending ON recipients (workspace_id, batch_id, position) WHERE pending;
DROP INDEX recipients_held;
CREATE INDEX recipients_held ON recipients (workspace_id, batch_id) INCLUDE (hold_reason, next_attempt_at)
    WHERE pending AND hold_reason IS NOT NULL;

-- 2. Attempts: the index of attempts in flight (LeaseStore's takeover of expired leases) named `phase` in its
--    predicate, so an answer, which changes only the phase and answered_at, wrote an entry into all seven indexes.
--    An attempt that ends clears its lease in the same statement (AttemptEnds), and only then: the lease is what
--    the predicate now reads, and the constraint keeps the two in step for any writer to come.
UPDATE attempts SET lease_expires_at = NULL WHERE phase = 'ended' AND lease_expires_at IS NOT NULL;
ALTER TABLE attempts ADD CONSTRAINT attempts_ended_without_lease CHECK (phase <> 'ended' OR lease_expires_at IS NULL);
DROP INDEX attempts_in_flight;
CREATE INDEX attempts_in_flight ON attempts (workspace_id, lease_expires_at) WHERE lease_expires_at IS NOT NULL;

-- 3. Room on the page: rows are inserted a batch (or a claim) at a time, packed full, and their calls then move
--    together, so no page had room for a row's next version; even an update that is not heap-only takes room on
--    its page when there is some. Half of each page is left free: a version left behind is pruned from its page
--    when a later statement reads the page, and its room is used again. Rows written from now on follow it (a
--    table's existing pages are not repacked). Measured on the recipients' shape (10,000 rows, a claim's update
--    then three moves in groups of 100, each its own transaction): 4.9 s at 100% full, no update heap-only; at
--    70%, 3.1 s, two thirds heap-only; at 60%, 3.0 s, all three moves heap-only; and the table ended smaller (759
--    pages at 60% against 1,401), old versions pruned instead of left behind. Inserting 10,000 recipients took
--    the same at 100, 70 and 50% (271 to 319 ms, five rounds each: the indexes are the insert's cost, not the
--    pages). In alternated quick benchmark runs (dispatch of 10,000 at concurrency 500), PostgreSQL's CPU a
--    recipient was 2.72, 2.76, 2.55 ms before, 2.60, 2.50, 2.76 ms with 70%, and 2.51, 2.35, 2.20 ms with 50%.
ALTER TABLE recipients SET (fillfactor = 50);
ALTER TABLE attempts SET (fillfactor = 50);
ALTER TABLE conversations SET (fillfactor = 50);
