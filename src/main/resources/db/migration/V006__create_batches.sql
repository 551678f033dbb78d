-- Batch calls. Counters are kept in the same transactions as the recipient statuses they count.
CREATE TABLE batches (
    workspace_id             text        NOT NULL REFERENCES workspaces (id),
    id                       text        NOT NULL,
    name                     text        NOT NULL,
    agent_id                 text        NOT NULL,
    branch_id                text,
    phone_number_id          text,
    environment              text,
    timezone                 text,
    whatsapp_params          jsonb,
    ringing_timeout_secs     integer     NOT NULL CHECK (ringing_timeout_secs BETWEEN 1 AND 999),
    recording_enabled        boolean     NOT NULL,
    machine_detection        text        CHECK (machine_detection IN ('enable', 'detect_message_end')),
    target_concurrency_limit integer     CHECK (target_concurrency_limit >= 1),
    status                   text        NOT NULL
        CHECK (status IN ('pending', 'in_progress', 'completed', 'failed', 'cancelled')),
    failure_reason           text,
    retry_count              integer     NOT NULL DEFAULT 0,
    total_scheduled          integer     NOT NULL,
    total_dispatched         integer     NOT NULL DEFAULT 0,
    total_finished           integer     NOT NULL DEFAULT 0,
    scheduled_at             timestamptz NOT NULL,
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

-- GET /v1/convai/batch-calling/workspace: newest first, keyset on (created_at, id).
CREATE INDEX batches_by_creation ON batches (workspace_id, created_at DESC, id DESC);
-- The same list filtered by agent_id.
CREATE INDEX batches_by_agent ON batches (workspace_id, agent_id, created_at DESC, id DESC);
-- The dispatcher's scan for batches that are due or running: small, since finished batches leave it.
CREATE INDEX batches_active ON batches (workspace_id, scheduled_at)
    WHERE status IN ('pending', 'in_progress');
