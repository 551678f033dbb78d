-- What the agent reports at the end of a call (transcript, analysis, termination reason), how the call ended on
-- the telephony side (call_result), and the state of its post_call_transcription event.
ALTER TABLE conversations
    -- ElevenLabs' CallResult: answered, voicemail, busy, no_answer, failed. NULL while the call rings.
    ADD COLUMN call_result                text CHECK (call_result IN ('answered', 'voicemail', 'busy', 'no_answer',
                                                                      'failed')),
    ADD COLUMN transcript_summary         text,
    ADD COLUMN data_collection_results    jsonb       NOT NULL DEFAULT '{}',
    ADD COLUMN evaluation_criteria_results jsonb      NOT NULL DEFAULT '{}',
    -- When the agent last reported; its call_successful and termination_reason then win over ours.
    ADD COLUMN reported_at                timestamptz,
    ADD COLUMN ended_at                   timestamptz,
    -- true from the end of an answered or voicemail call until its post_call_transcription is appended: the guard
    -- that makes the event go out exactly once, whichever node gets there first.
    ADD COLUMN post_call_pending          boolean     NOT NULL DEFAULT false,
    ADD COLUMN post_call_sent_at          timestamptz;

-- The post-call producer's claim: conversations waiting for their event, oldest end first. It cannot start with
-- workspace_id, because the producer serves every workspace at once (listed in SchemaConventionsTest).
CREATE INDEX conversations_post_call_due ON conversations (ended_at) WHERE post_call_pending;
