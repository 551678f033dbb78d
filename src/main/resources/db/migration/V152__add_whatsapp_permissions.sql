-- WhatsApp calls need the user's permission first (Meta's call permission request). A recipient waiting for it,
-- or for one of Meta's per-user limits, stays 'pending' with a hold like the campaign rules' holds.
ALTER TABLE recipients DROP CONSTRAINT recipients_hold_reason_check;
ALTER TABLE recipients ADD CONSTRAINT recipients_hold_reason_check
    CHECK (hold_reason IN ('retry_backoff', 'outside_window', 'holiday', 'frequency_cap', 'timezone_unknown',
                           'whatsapp_permission', 'whatsapp_limit'));

-- What batchcall knows of one user's call permission for one business number (its phone_number_id): the request
-- it sent (wamid and time, so that a user is asked once per wait), the reply (granted with its expiry, or refused)
-- and the consecutive calls the user did not pick up (Meta revokes the permission after 4 in a row).
CREATE TABLE whatsapp_permissions (
    workspace_id        text        NOT NULL REFERENCES workspaces (id),
    phone_number_id     text        NOT NULL,
    user_wa_id          text        NOT NULL,
    status              text        NOT NULL CHECK (status IN ('requested', 'granted', 'refused')),
    request_message_id  text,
    requested_at        timestamptz,
    expires_at          timestamptz,
    unanswered          integer     NOT NULL DEFAULT 0,
    last_unanswered_at  timestamptz,
    updated_at          timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, phone_number_id, user_wa_id)
);
