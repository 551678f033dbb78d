-- Idempotency-Key on submit, cancel and retry: the first response is kept for 24 hours and replayed.
CREATE TABLE idempotency_keys (
    workspace_id    text        NOT NULL REFERENCES workspaces (id),
    key             text        NOT NULL,
    -- SHA-256 of method, path and body: the same key with another request is a conflict.
    request_hash    bytea       NOT NULL,
    response_status integer     NOT NULL,
    response_body   text        NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, key)
);

-- Expiry sweep of keys older than 24 hours.
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (workspace_id, created_at);
