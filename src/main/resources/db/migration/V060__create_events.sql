-- The transactional outbox: every change of a batch's status, a recipient's status and an attempt's end writes its
-- event here in the same transaction as the change itself. The body is the whole envelope as it is delivered
-- ({"type","event_timestamp","event_id","data"}), serialised once, so that every delivery and replay of an event
-- is byte for byte the same.
CREATE TABLE events (
    workspace_id    text        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    -- Commit order within one ordering key (a recipient or a batch): each key's events are written by
    -- transactions that lock the key's row, so a later event of a key always has a higher seq.
    seq             bigint      GENERATED ALWAYS AS IDENTITY,
    id              text        NOT NULL,
    type            text        NOT NULL,
    -- recipient:<batch id>/<recipient id> or batch:<batch id>: deliveries of one key go out in seq order.
    ordering_key    text        NOT NULL,
    batch_id        text,
    recipient_id    text,
    conversation_id text,
    agent_id        text,
    occurred_at     timestamptz NOT NULL,
    body            text        NOT NULL,
    PRIMARY KEY (workspace_id, seq)
);

-- GET /v1/workspace/webhook-events?event_id=: one event by its id.
CREATE UNIQUE INDEX events_by_id ON events (workspace_id, id);
-- The pull feed filtered by batch, in seq order.
CREATE INDEX events_by_batch ON events (workspace_id, batch_id, seq) WHERE batch_id IS NOT NULL;
-- The pull feed and replays by time range.
CREATE INDEX events_by_time ON events (workspace_id, occurred_at);

-- Workspace webhooks (ElevenLabs' /v1/workspace/webhooks). The secret is sealed with BATCHCALL_SECRET_KEY.
CREATE TABLE webhook_endpoints (
    workspace_id          text        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id                    text        NOT NULL,
    name                  text        NOT NULL,
    url                   text        NOT NULL,
    auth_type             text        NOT NULL DEFAULT 'hmac',
    secret                bytea       NOT NULL,
    previous_secret       bytea,
    previous_secret_until timestamptz,
    request_headers       jsonb       NOT NULL DEFAULT '{}',
    -- batchcall event types this endpoint receives, wildcards allowed ('batch.*', 'recipient.*', '*').
    event_types           text[]      NOT NULL DEFAULT '{}',
    retry_enabled         boolean     NOT NULL DEFAULT true,
    is_disabled           boolean     NOT NULL DEFAULT false,
    is_auto_disabled      boolean     NOT NULL DEFAULT false,
    consecutive_failures  integer     NOT NULL DEFAULT 0,
    last_success_at       timestamptz,
    most_recent_failure_error_code integer,
    most_recent_failure_at timestamptz,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    deleted_at            timestamptz,
    PRIMARY KEY (workspace_id, id)
);

-- ElevenLabs' /v1/convai/settings: which webhook receives the post-call events, and which of them.
CREATE TABLE convai_settings (
    workspace_id         text        PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    post_call_webhook_id text,
    -- ElevenLabs' WebhookEventType values: transcript, audio, call_initiation_failure, ...
    webhook_events       text[]      NOT NULL DEFAULT '{}',
    settings             jsonb       NOT NULL DEFAULT '{}',
    updated_at           timestamptz NOT NULL
);

-- One delivery per event and endpoint, fanned out in the transaction that writes the event.
CREATE TABLE webhook_deliveries (
    workspace_id    text        NOT NULL,
    endpoint_id     text        NOT NULL,
    event_seq       bigint      NOT NULL,
    event_id        text        NOT NULL,
    ordering_key    text        NOT NULL,
    -- pending: due at next_attempt_at; in_flight: a node is sending it (lease); held: its endpoint was
    -- auto-disabled (resumed in order when re-enabled); succeeded; failed: retries exhausted (replayable).
    state           text        NOT NULL CHECK (state IN ('pending', 'in_flight', 'held', 'succeeded', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    lease_owner     text,
    lease_until     timestamptz,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL,
    delivered_at    timestamptz,
    PRIMARY KEY (workspace_id, endpoint_id, event_seq),
    FOREIGN KEY (workspace_id, endpoint_id) REFERENCES webhook_endpoints (workspace_id, id) ON DELETE CASCADE
);

-- Per-key ordering: the head of each endpoint's key is the lowest seq not yet succeeded or failed.
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (workspace_id, endpoint_id, ordering_key, event_seq)
    WHERE state IN ('pending', 'in_flight', 'held');
-- Deliveries due now, across workspaces: the sender's claim. It cannot start with workspace_id, because the
-- sender serves every workspace at once (listed as an exception in SchemaConventionsTest).
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
