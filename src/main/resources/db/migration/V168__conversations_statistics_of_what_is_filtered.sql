-- Conversations are analyzed after every 1% of change (V158): on the embedded database, whose autovacuum looks every
-- 5 s, every few seconds while calls run; on an external one with PostgreSQL's default, up to once a minute. Each
-- ANALYZE takes a sample of 30,000 rows and computes statistics for every column. The call's bodies (its JSON and the
-- summary's text) are the costly ones (each sampled value compared with the others to find the common ones and a
-- histogram; values over 1 kB, as long transcripts are, are skipped), and no statement filters, sorts, groups or
-- joins by these columns themselves: the list's phone-call type, user and analysis filters read expressions of
-- them, which PostgreSQL estimates without the columns' statistics (an expression has statistics of its own only
-- through a full, not partial, index on it). So ANALYZE leaves them out. Statistics an earlier ANALYZE made of them
-- stay in the catalog, no longer refreshed (the planner still reads their average width); SET STATISTICS DEFAULT
-- brings them back. On a kept benchmark database, ANALYZE conversations took 783 to 850 ms before and 535 to 547 ms
-- after with 1,001,000 conversations, three rounds each (README, "what autovacuum's ANALYZE of conversations
-- computes").
ALTER TABLE conversations
    ALTER COLUMN phone_call SET STATISTICS 0,
    ALTER COLUMN client_data SET STATISTICS 0,
    ALTER COLUMN transcript SET STATISTICS 0,
    ALTER COLUMN transcript_summary SET STATISTICS 0,
    ALTER COLUMN data_collection_results SET STATISTICS 0,
    ALTER COLUMN evaluation_criteria_results SET STATISTICS 0;
