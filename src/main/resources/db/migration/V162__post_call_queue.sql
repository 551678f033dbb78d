-- The conversations waiting for their post_call_transcription move out of conversations' own indexes into a queue of
-- their own. Sending the event cleared post_call_pending, which the index of waiting conversations named in its
-- predicate, so that update wrote a new entry into all ten of conversations' indexes (bench/run's quick dispatch:
-- 8.3 WAL records per conversation, 35 ms a group of 180, the costliest statement a call makes after the events'
-- insert and the close). With the index here instead, the update changes no indexed column and is heap-only (V161).
--
-- A row is added by the close that sets post_call_pending (ConversationWrites) and removed by the statement that
-- clears it (PostCallEvents), or with its conversation. post_call_pending stays the guard that makes the event go
-- out once; this table is only where the producer looks. The key starts with ended_at, the producer's order, so one
-- index serves both the producer and the removal (which reads ended_at from the conversation: it never changes
-- after the close). It cannot start with workspace_id, because the producer serves every workspace at once (listed
-- in SchemaConventionsTest).
--
-- A conversation is due once its wait for the agent's report is over (ended_at, a range of the key), or at once
-- when the agent reported during the call (reported: a report after the close sends the event itself). The second
-- kind has an index of its own, so that the producer reads neither the conversations still waiting nor their rows.
CREATE TABLE post_call_queue (
    ended_at        timestamptz NOT NULL,
    workspace_id    text        NOT NULL,
    conversation_id text        NOT NULL,
    reported        boolean     NOT NULL,
    PRIMARY KEY (ended_at, workspace_id, conversation_id)
);

CREATE INDEX post_call_queue_reported ON post_call_queue (ended_at) WHERE reported;

-- Rows come and go within a minute: vacuum it as often as a queue needs.
ALTER TABLE post_call_queue SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

INSERT INTO post_call_queue (ended_at, workspace_id, conversation_id, reported)
SELECT ended_at, workspace_id, id, reported_at IS NOT NULL FROM conversations WHERE post_call_pending;

DROP INDEX conversations_post_call_due;
