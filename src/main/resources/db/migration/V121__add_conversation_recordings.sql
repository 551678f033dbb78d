-- GET /v1/convai/conversations/{id}/audio: the Twilio recording of the call (RecordingSid from Twilio's recording
-- status callback). The audio itself stays at Twilio and is streamed from there on request.
ALTER TABLE conversations ADD COLUMN recording_sid text;
