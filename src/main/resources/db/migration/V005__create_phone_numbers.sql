-- Caller numbers and the provider account behind each. Secrets (auth tokens, trunk passwords, API keys) are in
-- `credentials`, AES-256-GCM sealed JSON; everything else about the provider is in `settings`.
CREATE TABLE phone_numbers (
    workspace_id      text          NOT NULL REFERENCES workspaces (id),
    id                text          NOT NULL,
    provider          text          NOT NULL CHECK (provider IN ('twilio', 'sip_trunk', 'exotel', 'whatsapp', 'simulator')),
    phone_number      text          NOT NULL,
    label             text          NOT NULL,
    -- The agent this number is assigned to: the single record of that assignment (an agent's
    -- phone_number_id is read from here).
    agent_id          text,
    settings          jsonb         NOT NULL DEFAULT '{}',
    credentials       bytea,
    -- Calls per second this number may start, across all nodes.
    cps               numeric(8, 3) NOT NULL CHECK (cps > 0),
    supports_inbound  boolean       NOT NULL DEFAULT true,
    supports_outbound boolean       NOT NULL DEFAULT true,
    created_at        timestamptz   NOT NULL,
    updated_at        timestamptz   NOT NULL,
    deleted_at        timestamptz,
    PRIMARY KEY (workspace_id, id)
);

-- GET /v1/convai/phone-numbers, oldest first, live numbers only.
CREATE INDEX phone_numbers_by_creation ON phone_numbers (workspace_id, created_at, id) WHERE deleted_at IS NULL;
-- An agent's assigned number (submit without agent_phone_number_id; the agent's phone_number_id).
CREATE INDEX phone_numbers_by_agent ON phone_numbers (workspace_id, agent_id, updated_at DESC) WHERE deleted_at IS NULL;
