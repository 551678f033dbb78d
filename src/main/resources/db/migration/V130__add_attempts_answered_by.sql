-- Answering-machine detection's verdict for the attempt's call, as the provider reported it (Twilio's AnsweredBy:
-- human, machine_start, machine_end_beep, fax, unknown...). Detection never ends the attempt: the call goes on,
-- and a machine verdict makes the outcome voicemail when the call really ends.
ALTER TABLE attempts ADD COLUMN answered_by text;
