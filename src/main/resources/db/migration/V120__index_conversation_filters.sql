-- GET /v1/convai/conversations filters by branch, user, outcome, duration and start time, newest or oldest first,
-- over millions of conversations. Each index below serves one filter and keeps the keyset order (start_time, id),
-- so a page is an index range scan in either direction that stops after page_size rows.

-- The branch a conversation's batch ran on (branch_id filter); copied from the batch when the conversation opens,
-- since batches may be deleted while their conversations stay.
ALTER TABLE conversations ADD COLUMN branch_id text;
UPDATE conversations c SET branch_id = b.branch_id
FROM batches b
WHERE b.workspace_id = c.workspace_id AND b.id = c.batch_id AND b.branch_id IS NOT NULL;

-- branch_id and visited_agent_branch_ids.
CREATE INDEX conversations_by_branch ON conversations (workspace_id, branch_id, start_time, id)
    WHERE branch_id IS NOT NULL;
-- user_id: conversation_initiation_client_data.user_id, as ElevenLabs records it.
CREATE INDEX conversations_by_user ON conversations (workspace_id, (client_data ->> 'user_id'), start_time, id)
    WHERE client_data ->> 'user_id' IS NOT NULL;
-- call_successful: three values, each a large share; the order after it keeps pages a range scan.
CREATE INDEX conversations_by_success ON conversations (workspace_id, call_successful, start_time, id);
-- termination_reasons: few distinct reasons; a rare one is found without walking every conversation.
CREATE INDEX conversations_by_termination ON conversations (workspace_id, termination_reason, start_time, id);
-- call_duration_min_secs / call_duration_max_secs: long calls are rare, so a bound is found by duration first.
CREATE INDEX conversations_by_duration ON conversations (workspace_id, call_duration_secs, start_time, id);
