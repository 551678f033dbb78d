-- Where a batch came from: 'batch' (POST /batch-calling/submit) or 'single' (POST /{provider}/outbound-call,
-- a hidden one-recipient batch, so that a single call goes through the same claim, limits, leases and events).
-- The batch list shows batch-origin batches only.
ALTER TABLE batches ADD COLUMN origin text NOT NULL DEFAULT 'batch' CHECK (origin IN ('batch', 'single'));

-- A single call is refused at once when the limits are full: its check counts the single calls of the workspace
-- (and of the agent) not claimed yet, few at any time.
CREATE INDEX batches_single_waiting ON batches (workspace_id, agent_id) WHERE origin = 'single' AND status = 'pending';
