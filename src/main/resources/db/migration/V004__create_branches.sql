-- Branches of an agent (ElevenLabs' agent versions line); a batch may name one.
CREATE TABLE branches (
    workspace_id text        NOT NULL,
    id           text        NOT NULL,
    agent_id     text        NOT NULL,
    name         text        NOT NULL,
    description  text,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, agent_id) REFERENCES agents (workspace_id, id)
);

-- GET /v1/convai/agents/{agent_id}/branches, and the submit check that a branch belongs to its agent.
CREATE INDEX branches_by_agent ON branches (workspace_id, agent_id, created_at, id);
