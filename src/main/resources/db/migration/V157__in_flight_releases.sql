-- A call's end used to take its slot back by updating its workspace's and agent's in_flight in the end's own
-- transaction. The dispatcher's claim holds those same rows locked while it claims, so every group of ends
-- waited for the claim and every claim for the group of ends: at high rates the two took turns and neither ran.
-- Ends now append what they free here (insert only: nothing waits), and whoever next needs the exact count, under
-- the workspace's lock (a claim, a single call), folds these rows into the counters and deletes them. The count
-- a reader sees meanwhile can only be too high (an end not yet folded), never too low: the limits stay exact.
CREATE TABLE in_flight_releases (
    workspace_id text NOT NULL,
    id bigserial,
    agent_id text NOT NULL,
    released integer NOT NULL CHECK (released > 0),
    PRIMARY KEY (workspace_id, id)
);

-- The true counts at any moment, folded or not: what metrics and checks read.
CREATE VIEW workspaces_in_flight AS
    SELECT w.id, w.in_flight - coalesce((SELECT sum(r.released) FROM in_flight_releases r
                                         WHERE r.workspace_id = w.id), 0)::integer AS in_flight
    FROM workspaces w;
CREATE VIEW agents_in_flight AS
    SELECT a.workspace_id, a.id, a.in_flight - coalesce((SELECT sum(r.released) FROM in_flight_releases r
                                                         WHERE r.workspace_id = a.workspace_id
                                                           AND r.agent_id = a.id), 0)::integer AS in_flight
    FROM agents a;
