-- Which dial of its recipient a batch conversation was (1 for the first): conversations of retries show
-- metadata.batch_call.campaign.conversation_type "retry". Null for single calls and for conversations stored before.
ALTER TABLE conversations ADD COLUMN attempt_number integer;
