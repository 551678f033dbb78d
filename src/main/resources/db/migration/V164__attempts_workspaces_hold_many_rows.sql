-- The call-event writer finds attempts by key, many at once, joining attempts to arrays of (workspace_id, id). For
-- such a join PostgreSQL estimates the rows of one workspace as the table's rows over its distinct workspace_ids.
-- When the last ANALYZE saw a few attempts in each of many workspaces (an installation's first hours, or many
-- small single-call workspaces), that is about one: every index that starts with workspace_id then costs what the
-- key costs, and the planner may take another one and filter on id, reading all of the workspace's attempts for
-- each look-up until the next ANALYZE (KeyLookupPlanTest: the group's lock of attempts through
-- attempts_by_agent_claim). V158 analyzes the table sooner, which narrows the window but does not close it.
--
-- Declaring workspaces large on average (a thousandth of the rows per distinct workspace_id, as V149 did for a
-- recipient's batch_id) makes the key the cheaper plan whatever the statistics saw. Only attempts: every read of
-- attempts by workspace has an index made for it. On conversations the same declaration made a generic plan of
-- the conversation list look cheap that walks the workspace's conversations newest first, testing each (a list
-- filtered by a dynamic variable went from about 2 to 25 ms in the benchmark), so conversations and batches keep
-- their measured statistics. A table with no statistics at all (a new database, until its first ANALYZE after
-- 500 rows, V158) is planned with PostgreSQL's defaults, which this does not change.
ALTER TABLE attempts ALTER COLUMN workspace_id SET (n_distinct = -0.001);
ANALYZE attempts;
