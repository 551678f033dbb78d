-- The lifecycle's statements find attempts, conversations and batches by key, many at once, joining each table to
-- arrays of (workspace_id, id). For such a join PostgreSQL estimates the rows of one workspace as the table's rows
-- over its distinct workspace_ids. When the last ANALYZE saw a few rows in each of many workspaces (an
-- installation's first hours, or many small single-call workspaces), that is about one: every index that starts
-- with workspace_id then costs what the key costs, and the planner may take another one and filter on id, reading
-- all of the workspace's rows for each look-up until the next ANALYZE (KeyLookupPlanTest shows the plans: the
-- call-event writer's lock of attempts through attempts_by_agent_claim, conversations through
-- conversations_by_duration, batches through batches_by_agent). V158 analyzes these tables sooner, which narrows
-- the window but does not close it.
--
-- Declaring workspaces large on average (a thousandth of the rows per distinct workspace_id, as V149 did for a
-- recipient's batch_id) makes the key the cheaper plan whatever the statistics saw. It moves the estimate where
-- the workspace is not known when planning (a join, as here) or is one ANALYZE did not list among the most common
-- values; a listed workspace is estimated by its own share, so the lists of a known workspace are planned as before. A table with no statistics at all (a new database, until its first
-- ANALYZE after 500 rows, V158) is planned with PostgreSQL's defaults, which this does not change.
ALTER TABLE attempts ALTER COLUMN workspace_id SET (n_distinct = -0.001);
ALTER TABLE conversations ALTER COLUMN workspace_id SET (n_distinct = -0.001);
ALTER TABLE batches ALTER COLUMN workspace_id SET (n_distinct = -0.001);
ANALYZE attempts, conversations, batches;
