-- One conversation per attempt that reached a provider. Conversations outlive their batch (no foreign key).
CREATE TABLE conversations (
    workspace_id       text        NOT NULL REFERENCES workspaces (id),
    id                 text        NOT NULL,
    agent_id           text        NOT NULL,
    batch_id           text,
    recipient_id       text,
    phone_number_id    text,
    status             text        NOT NULL CHECK (status IN ('initiated', 'in-progress', 'processing', 'done', 'failed')),
    call_successful    text        NOT NULL DEFAULT 'unknown' CHECK (call_successful IN ('success', 'failure', 'unknown')),
    start_time         timestamptz NOT NULL,
    call_duration_secs integer     NOT NULL DEFAULT 0,
    termination_reason text,
    -- metadata.phone_call: direction, agent_number, external_number, type, call_sid, stream_sid.
    phone_call         jsonb       NOT NULL DEFAULT '{}',
    client_data        jsonb,
    transcript         jsonb       NOT NULL DEFAULT '[]',
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

-- GET /v1/convai/conversations: newest first, keyset on (start_time, id); filtered by agent or batch.
CREATE INDEX conversations_by_start ON conversations (workspace_id, start_time DESC, id DESC);
CREATE INDEX conversations_by_agent ON conversations (workspace_id, agent_id, start_time DESC, id DESC);
CREATE INDEX conversations_by_batch ON conversations (workspace_id, batch_id, start_time DESC, id DESC);
