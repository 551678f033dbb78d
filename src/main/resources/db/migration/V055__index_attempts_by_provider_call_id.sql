-- TwilioProvider's look-up after a lost create answer: which of the calls Twilio lists for a number already belong
-- to another attempt (AttemptStore.ownedByOthers). Across workspaces on purpose: a call SID is Twilio's global
-- id, and two workspaces may hold the same Twilio account.
CREATE INDEX attempts_by_provider_call_id ON attempts (provider, provider_call_id)
    WHERE provider_call_id IS NOT NULL;
