-- Deleting a batch deleted its attempts, and with them the dials that frequency caps and agents' daily limits count:
-- an operator who deleted a botched batch and submitted a corrected one called its people again at once, past a
-- cap of one call a day. A deleted batch's recent dials are now kept here for as long as a cap or a daily limit can
-- still count them, without the number itself: a salted SHA-256 of it, with a salt per workspace.
--
-- Why a salt in the same database and not a key outside it: the claim computes the hash in the statement that counts
-- the dials, and a server key would have to be passed to every claim. The salt keeps the number out of exports,
-- queries and joins; someone holding the database and enough compute could still recover a number by trying every
-- number of its country, which the README says.
ALTER TABLE workspaces ADD COLUMN dial_salt bytea NOT NULL
    DEFAULT decode(replace(gen_random_uuid()::text, '-', ''), 'hex');

CREATE TABLE deleted_dials (
    workspace_id text        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    agent_id     text        NOT NULL,
    -- sha256(workspaces.dial_salt || the number in E.164); null for a dial without a number (a WhatsApp user).
    number_hash  bytea,
    claimed_at   timestamptz NOT NULL,
    -- When no cap or daily limit the workspace had at the deletion counts it any more: housekeeping deletes it then.
    keep_until   timestamptz NOT NULL
);

CREATE INDEX deleted_dials_by_number ON deleted_dials (workspace_id, number_hash, claimed_at)
    WHERE number_hash IS NOT NULL;
CREATE INDEX deleted_dials_by_agent ON deleted_dials (workspace_id, agent_id, claimed_at);
