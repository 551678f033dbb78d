-- The events' time index serves one reader, a webhook's replay of a time range (DeliveryLog.replay), and was a
-- B-tree on (workspace_id, occurred_at): an entry for every event, of which a call writes five or six, each in the
-- transaction that records the call. Events are appended in the order they occur, so a block range (BRIN) index on
-- occurred_at finds a time range as well: it keeps the least and the greatest time of each 128 pages, and an insert
-- into the last range, not yet summarized, writes nothing to it (autosummarize sums a range up once it is full).
-- A replay now reads the pages of its time range and keeps its own workspace's events: replays are an operator's
-- action, rare, and bounded by their range. It cannot start with workspace_id (listed in SchemaConventionsTest):
-- block ranges hold every workspace's events of their time.
DROP INDEX events_by_time;
CREATE INDEX events_by_time ON events USING brin (occurred_at) WITH (autosummarize = on);
