-- One attempt per dial of a recipient. While it is not ended it holds a lease: the node that placed it renews
-- the lease by heartbeat, and when a node dies any other node finds its expired leases and resolves them.
CREATE TABLE attempts (
    workspace_id     text        NOT NULL,
    id               text        NOT NULL,
    batch_id         text        NOT NULL,
    recipient_id     text        NOT NULL,
    attempt_number   integer     NOT NULL,
    agent_id         text        NOT NULL,
    phone_number_id  text        NOT NULL,
    provider         text        NOT NULL,
    provider_call_id text,
    conversation_id  text        NOT NULL,
    -- The node that placed the call; lease_owner is the node answerable for it now (another one after a crash).
    node_id          text        NOT NULL,
    lease_owner      text        NOT NULL,
    -- dialing: claimed, the dial request is about to go out (or may be out: its fate is unknown after a crash);
    -- ringing: the provider accepted the call; answered; ended.
    phase            text        NOT NULL CHECK (phase IN ('dialing', 'ringing', 'answered', 'ended')),
    lease_expires_at timestamptz,
    -- The paced instant this attempt may dial at (per-number cps).
    dial_at          timestamptz NOT NULL,
    claimed_at       timestamptz NOT NULL,
    dialed_at        timestamptz,
    answered_at      timestamptz,
    ended_at         timestamptz,
    outcome          text,
    provider_status  text,
    sip_code         integer,
    failure_reason   text,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, batch_id) REFERENCES batches (workspace_id, id) ON DELETE CASCADE
);

-- GET /{batch_id}/attempts: a batch's attempts in claim order, keyset on (claimed_at, id).
CREATE INDEX attempts_by_batch ON attempts (workspace_id, batch_id, claimed_at, id);
-- Heartbeats and lease recovery scan the attempts still in flight: few, whatever the history.
CREATE INDEX attempts_in_flight ON attempts (workspace_id, lease_expires_at) WHERE phase <> 'ended';
-- At most one attempt per recipient and number: a re-dial is always a new, numbered attempt.
CREATE UNIQUE INDEX attempts_by_recipient ON attempts (workspace_id, batch_id, recipient_id, attempt_number);

-- Calls in flight, counted in the same transactions that start and end attempts, so that every limit is
-- checked atomically across nodes. Rows are always locked in the order workspace, agent, batch.
ALTER TABLE workspaces ADD COLUMN in_flight integer NOT NULL DEFAULT 0 CHECK (in_flight >= 0);
ALTER TABLE agents ADD COLUMN in_flight integer NOT NULL DEFAULT 0 CHECK (in_flight >= 0);
ALTER TABLE batches ADD COLUMN in_flight integer NOT NULL DEFAULT 0 CHECK (in_flight >= 0);
-- Round-robin between a workspace's batches: the one served longest ago goes first.
ALTER TABLE batches ADD COLUMN last_claimed_at timestamptz;
-- Pacing: the earliest instant this number may start its next call (slots are reserved, across nodes).
ALTER TABLE phone_numbers ADD COLUMN next_dial_at timestamptz;
