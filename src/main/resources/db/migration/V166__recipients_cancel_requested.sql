-- Cancelling a recipient whose call rings was only a notification to the node holding the call: a node whose
-- listener was away at that moment, or one that took the call over after its node died, never heard it, and the
-- call went on (and, under a retry policy, its recipient could be dialed again). The request is now kept on the
-- recipient: a node that missed the notification reads it when its listener is back or when it takes a call over,
-- and an attempt that ends after it schedules no retry. Null for nearly every row: no space, no index.
ALTER TABLE recipients ADD COLUMN cancel_requested_at timestamptz;
