-- ElevenLabs' agent platform_settings, kept as given and returned; its call_limits are also columns, since the
-- claim enforces them: agent_concurrency_limit is concurrency_limit (-1 there: null here), daily_limit caps the
-- calls claimed for the agent in any 24 hours (null: none), bursting_enabled is stored only (we never burst).
ALTER TABLE agents ADD COLUMN platform_settings jsonb NOT NULL DEFAULT '{}';
ALTER TABLE agents ADD COLUMN daily_limit integer CHECK (daily_limit >= 1);
ALTER TABLE agents ADD COLUMN bursting_enabled boolean NOT NULL DEFAULT false;

-- The claim's daily_limit count: an agent's attempts claimed in the last 24 hours.
CREATE INDEX attempts_by_agent_claim ON attempts (workspace_id, agent_id, claimed_at);
