-- Conversations are analyzed after every 1% of change (V158), so while calls run autovacuum analyzes them every
-- few seconds, each time from a sample of 30,000 rows, computing statistics for every column. The call's JSON
-- bodies are the costly ones to compute (each sampled value compared with the others to find the common ones and a
-- histogram), and no statement filters, sorts or joins by these columns themselves: the list's phone-call type and
-- user filters read expressions of phone_call and client_data, which PostgreSQL estimates without the column's
-- statistics (an expression has its own only through a full, not partial, index on it). So they are left out of
-- ANALYZE; statistics an earlier ANALYZE made of them stay in the catalog, read by no plan. On a kept benchmark
-- database (71,500 conversations), ANALYZE conversations took 610 ms before and 364 ms after, three rounds each.
ALTER TABLE conversations
    ALTER COLUMN phone_call SET STATISTICS 0,
    ALTER COLUMN client_data SET STATISTICS 0,
    ALTER COLUMN transcript SET STATISTICS 0,
    ALTER COLUMN transcript_summary SET STATISTICS 0,
    ALTER COLUMN data_collection_results SET STATISTICS 0,
    ALTER COLUMN evaluation_criteria_results SET STATISTICS 0;
