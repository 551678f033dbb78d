-- Every HTTP attempt of a webhook delivery, for the delivery log (GET .../deliveries/{event_id}): what was sent
-- when, how long it took and what came back. A node killed mid-attempt leaves no row; the reaper writes one
-- with error_class 'lease_expired' when it takes the delivery back.
CREATE TABLE webhook_attempts (
    workspace_id     text        NOT NULL,
    endpoint_id      text        NOT NULL,
    event_seq        bigint      NOT NULL,
    id               bigint      GENERATED ALWAYS AS IDENTITY,
    -- The delivery's attempt number (1 is the first send); a reaped attempt and its resend share no number.
    attempt          integer     NOT NULL,
    node_id          text        NOT NULL,
    started_at       timestamptz NOT NULL,
    duration_ms      integer     NOT NULL,
    -- The HTTP status, or null when none came back (timeout, connection refused, refused address).
    status_code      integer,
    -- http (a status came back), timeout, connect, tls, io, refused_address, lease_expired.
    error_class      text,
    error            text,
    -- The first 2 KiB of the response body, as text.
    response_excerpt text,
    -- The timestamp signed into both signature headers of this attempt.
    signed_at        bigint,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, endpoint_id, event_seq)
        REFERENCES webhook_deliveries (workspace_id, endpoint_id, event_seq) ON DELETE CASCADE
);

-- The delivery log: one delivery's attempts in order.
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (workspace_id, endpoint_id, event_seq, id);
-- The delivery log of one endpoint, newest first, filtered by state.
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (workspace_id, endpoint_id, event_seq);
-- The reaper: leases that ran out, across workspaces (listed as an exception in SchemaConventionsTest, like the
-- sender's claim).
CREATE INDEX webhook_deliveries_leases ON webhook_deliveries (lease_until) WHERE state = 'in_flight';

-- Why an endpoint was disabled automatically: 'failures' (ElevenLabs' rule) or 'gone' (it answered 410).
ALTER TABLE webhook_endpoints ADD COLUMN disabled_reason text;
