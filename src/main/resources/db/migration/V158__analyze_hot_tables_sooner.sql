-- Attempts, recipients and conversations grow by thousands of rows a minute while a batch runs, and every hot
-- statement looks rows up by primary key within one workspace. With statistics from before the burst the planner
-- believes the workspace holds a row or two and picks any index starting with workspace_id, then filters: each
-- lookup scans all the workspace's rows (bench/run: a dial gate read of 500 attempts took 14 s). PostgreSQL's
-- default waits for 10% of a table to change before it analyzes again; these tables are analyzed after 1%
-- (and at least 500 rows), so that their statistics follow a batch's growth within the autovacuum's round.
ALTER TABLE attempts SET (autovacuum_analyze_scale_factor = 0.01, autovacuum_analyze_threshold = 500);
ALTER TABLE recipients SET (autovacuum_analyze_scale_factor = 0.01, autovacuum_analyze_threshold = 500);
ALTER TABLE conversations SET (autovacuum_analyze_scale_factor = 0.01, autovacuum_analyze_threshold = 500);
