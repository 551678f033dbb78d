-- A workspace is a tenant: every tenant-owned table carries workspace_id, and it leads every index on it.
CREATE TABLE workspaces (
    id                text        PRIMARY KEY,
    name              text        NOT NULL,
    concurrency_limit integer     NOT NULL DEFAULT 20 CHECK (concurrency_limit >= 1),
    -- The workspace created on first start, which BATCHCALL_API_KEY belongs to. At most one.
    is_default        boolean     NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);

-- Enforces "at most one default workspace", and serves the start-up lookup of it.
CREATE UNIQUE INDEX workspaces_single_default ON workspaces (is_default) WHERE is_default;

-- Admin listing, oldest first.
CREATE INDEX workspaces_by_creation ON workspaces (created_at, id);
