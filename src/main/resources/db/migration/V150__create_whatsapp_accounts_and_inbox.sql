-- A WhatsApp account is a phone number of provider 'whatsapp' whose id is Meta's phone_number_id. Meta routes a
-- webhook by that id alone, so a live account belongs to exactly one workspace: this index is across workspaces on
-- purpose (not workspace_id first).
CREATE UNIQUE INDEX phone_numbers_whatsapp_account ON phone_numbers (id)
    WHERE provider = 'whatsapp' AND deleted_at IS NULL;

-- What Meta's webhooks reported, stored before the 200 so that nothing acknowledged is lost. One row per event;
-- the dedupe key makes a redelivery a no-op. The body is the delivery's raw text: the event is parsed from it again
-- when it is handed (the parser is deterministic), so the inbox needs no serialised form of its own.
-- Its key is a global identity (not workspace_id first): the drain on every node hands events of all workspaces.
CREATE TABLE whatsapp_inbox (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id    text        NOT NULL REFERENCES workspaces (id),
    phone_number_id text        NOT NULL,
    dedupe_key      text        NOT NULL,
    body            text        NOT NULL,
    received_at     timestamptz NOT NULL,
    -- Not handed before this time: the receiving node's own hand-off holds it, a failed one backs off.
    due_at          timestamptz NOT NULL,
    handled_at      timestamptz,
    attempts        integer     NOT NULL DEFAULT 0,
    last_error      text,
    UNIQUE (workspace_id, dedupe_key)
);

-- The drain's question, across workspaces like webhook_deliveries_due: events not handled yet, soonest due first.
CREATE INDEX whatsapp_inbox_unhandled ON whatsapp_inbox (due_at) WHERE handled_at IS NULL;
