-- Agents: the voice AI a batch connects each answered call to. Deleted agents are kept (deleted_at) so that
-- finished batches and conversations still resolve their agent's name; the API treats them as gone.
CREATE TABLE agents (
    workspace_id        text        NOT NULL REFERENCES workspaces (id),
    id                  text        NOT NULL,
    name                text        NOT NULL,
    conversation_config jsonb       NOT NULL DEFAULT '{}',
    tags                jsonb       NOT NULL DEFAULT '[]',
    -- Calls in flight allowed for this agent; null: the workspace's limit.
    concurrency_limit   integer     CHECK (concurrency_limit >= 1),
    -- How calls reach the agent: a wss:// URL for provider media streams, a SIP URI for SIP bridging.
    media_stream_url    text,
    sip_uri             text,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    deleted_at          timestamptz,
    PRIMARY KEY (workspace_id, id)
);

-- GET /v1/convai/agents: newest first, keyset on (created_at, id), live agents only.
CREATE INDEX agents_by_creation ON agents (workspace_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
