-- Operating a running batch (issue 14). A batch is paused while paused_at is set: the claim skips it (the same
-- statement that picks due batches) and a claimed attempt of it is not dialed. Its EL status is left as it was.
ALTER TABLE batches ADD COLUMN paused_at timestamptz;

-- The workspace-wide emergency stop: while true, no batch of the workspace dials.
ALTER TABLE workspaces ADD COLUMN dispatch_paused boolean NOT NULL DEFAULT false;
