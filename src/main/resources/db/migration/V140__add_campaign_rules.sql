-- Campaign rules: automatic retries, calling windows in each recipient's local time, do-not-call lists and
-- frequency caps. A waiting recipient stays 'pending' with next_attempt_at (already there) and a hold_reason; a
-- recipient the rules rule out ends 'cancelled' with a skip_reason, never dialed.

ALTER TABLE recipients ADD COLUMN hold_reason text
    CHECK (hold_reason IN ('retry_backoff', 'outside_window', 'holiday', 'frequency_cap', 'timezone_unknown'));
ALTER TABLE recipients ADD COLUMN skip_reason text
    CHECK (skip_reason IN ('dnc', 'opted_out', 'window_expired', 'frequency_cap_exhausted', 'timezone_unknown'));
-- The time zone and region (ISO 3166-1 country or 3166-2 subdivision, e.g. US-FL) as submitted, when given.
ALTER TABLE recipients ADD COLUMN timezone text;
ALTER TABLE recipients ADD COLUMN region text;
-- The zones the rules resolved for the recipient (several for a number whose area spans zones: the window must
-- be open in all of them) and where they came from; written when the claim first looks at the recipient.
ALTER TABLE recipients ADD COLUMN resolved_timezones text[];
ALTER TABLE recipients ADD COLUMN timezone_source text
    CHECK (timezone_source IN ('recipient', 'variable', 'number', 'batch'));

-- The rules a batch runs under, resolved at submit (the batch's own, else its agent's default, else the
-- workspace's) so that a later change of a default does not change a running batch; PATCH changes them.
-- Null: one attempt, any time of day.
ALTER TABLE batches ADD COLUMN retry_policy jsonb;
ALTER TABLE batches ADD COLUMN calling_window jsonb;
-- calling_window.expires_at_unix, as a column so that the expiry sweep finds due batches by index.
ALTER TABLE batches ADD COLUMN window_expires_at timestamptz;
CREATE INDEX batches_window_expiry ON batches (workspace_id, window_expires_at)
    WHERE window_expires_at IS NOT NULL AND status IN ('pending', 'in_progress');

-- Defaults for callers of the official SDK, which strips request keys it does not know.
ALTER TABLE workspaces ADD COLUMN default_retry_policy jsonb;
ALTER TABLE workspaces ADD COLUMN default_calling_window jsonb;
-- Frequency caps across every batch of the workspace, e.g. [{"max": 3, "per_seconds": 86400}].
ALTER TABLE workspaces ADD COLUMN frequency_caps jsonb NOT NULL DEFAULT '[]';
-- Legal calling-hour presets: enforce (a batch may narrow them, never widen), warn (widening allowed and
-- reported) or off.
ALTER TABLE workspaces ADD COLUMN jurisdiction_rules text NOT NULL DEFAULT 'enforce'
    CHECK (jurisdiction_rules IN ('enforce', 'warn', 'off'));
ALTER TABLE agents ADD COLUMN default_retry_policy jsonb;
ALTER TABLE agents ADD COLUMN default_calling_window jsonb;

-- The audit trail of each dial: the number dialed, the recipient's local time and zone when it was claimed, and
-- the rules that allowed it. to_number also keys the frequency caps' count.
ALTER TABLE attempts ADD COLUMN to_number text;
ALTER TABLE attempts ADD COLUMN local_time text;
ALTER TABLE attempts ADD COLUMN timezone text;
ALTER TABLE attempts ADD COLUMN policy text;
CREATE INDEX attempts_by_number ON attempts (workspace_id, to_number, claimed_at) WHERE to_number IS NOT NULL;

-- Do-not-call lists. A list belongs to the workspace, or to one agent when agent_id is set (it then applies only
-- to that agent's batches).
CREATE TABLE suppression_lists (
    workspace_id text        NOT NULL REFERENCES workspaces (id),
    id           text        NOT NULL,
    name         text        NOT NULL,
    agent_id     text,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

-- A number on a list: an E.164 number, or a prefix (is_prefix; imported as "+1201*") that suppresses every
-- number starting with it. number holds the digits with their "+", without the "*".
CREATE TABLE suppression_entries (
    workspace_id    text        NOT NULL,
    list_id         text        NOT NULL,
    number          text        NOT NULL,
    is_prefix       boolean     NOT NULL DEFAULT false,
    -- import | api | opt_out
    source          text        NOT NULL,
    reason          text,
    conversation_id text,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, list_id, number, is_prefix),
    FOREIGN KEY (workspace_id, list_id) REFERENCES suppression_lists (workspace_id, id) ON DELETE CASCADE
);
-- The claim's check: every prefix of each number, looked up at once.
CREATE INDEX suppression_entries_by_number ON suppression_entries (workspace_id, number);

-- Opt-outs: a person asked not to be called (by API, or by the agent during a call with its conversation token).
-- Kept apart from lists, as the audit record of who asked, when and through what; agent_id set: only that
-- agent's batches must not call the number.
CREATE TABLE opt_outs (
    workspace_id    text        NOT NULL REFERENCES workspaces (id),
    id              text        NOT NULL,
    number          text        NOT NULL,
    agent_id        text,
    -- api | agent | manual
    channel         text        NOT NULL,
    conversation_id text,
    batch_id        text,
    reason          text,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX opt_outs_by_number ON opt_outs (workspace_id, number);
CREATE INDEX opt_outs_by_creation ON opt_outs (workspace_id, created_at, id);
