-- The people a batch calls, in the order they were submitted (position).
CREATE TABLE recipients (
    workspace_id     text        NOT NULL,
    batch_id         text        NOT NULL,
    id               text        NOT NULL,
    position         integer     NOT NULL,
    phone_number     text,
    whatsapp_user_id text,
    -- conversation_initiation_client_data exactly as submitted: json, not jsonb, keeps its text (key order
    -- included) so that it is echoed back verbatim.
    client_data      json,
    status           text        NOT NULL CHECK (status IN ('pending', 'dispatched', 'initiated', 'in_progress',
                                                            'completed', 'failed', 'cancelled', 'voicemail')),
    last_outcome     text,
    attempt_count    integer     NOT NULL DEFAULT 0,
    conversation_id  text,
    -- When a pending recipient may be dialed next (retry back-off, calling windows); null: as soon as possible.
    next_attempt_at  timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, batch_id, id),
    FOREIGN KEY (workspace_id, batch_id) REFERENCES batches (workspace_id, id) ON DELETE CASCADE
);

-- GET /{batch_id} and the export stream recipients in submitted order.
CREATE UNIQUE INDEX recipients_by_position ON recipients (workspace_id, batch_id, position);
-- The dispatcher claims pending recipients of a batch in submitted order.
CREATE INDEX recipients_pending ON recipients (workspace_id, batch_id, position) WHERE status = 'pending';
-- A number appears at most once in a batch (validation says so first; this keeps it true).
CREATE UNIQUE INDEX recipients_unique_number ON recipients (workspace_id, batch_id, phone_number)
    WHERE phone_number IS NOT NULL;
