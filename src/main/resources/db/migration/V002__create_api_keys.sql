-- API keys are stored as SHA-256 hashes; the key itself is shown once, when it is made.
CREATE TABLE api_keys (
    workspace_id text        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id           text        NOT NULL,
    key_hash     bytea       NOT NULL,
    prefix       text        NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    PRIMARY KEY (workspace_id, id)
);

-- Authentication finds a key by its hash before it knows the workspace, so this one index cannot start with
-- workspace_id. It is the only exception to that rule (SchemaConventionsTest lists it).
CREATE UNIQUE INDEX api_keys_by_hash ON api_keys (key_hash);
