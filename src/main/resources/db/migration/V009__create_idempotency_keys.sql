-- Idempotency-Key on submit, cancel and retry. The key is claimed in the same transaction as the change it
-- guards (so a crash can never leave a batch without its key, or a key without its batch); the response is
-- stored right after commit and replayed for 24 hours.
CREATE TABLE idempotency_keys (
    workspace_id    text        NOT NULL REFERENCES workspaces (id),
    key             text        NOT NULL,
    -- SHA-256 of method, path and body: the same key with another request is a conflict.
    request_hash    bytea       NOT NULL,
    -- The batch the request created or changed: replayed from when the response was not stored yet.
    resource_id     text        NOT NULL,
    response_status integer,
    response_body   text,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, key)
);

-- Expiry sweep of keys older than 24 hours.
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (workspace_id, created_at);
