-- GET of a batch shows how many of its pending recipients wait with a hold reason and when the earliest window
-- opens (RecipientStore.waiting). Through recipients_pending that aggregate visited every pending recipient of the
-- batch: about 20 to 30 ms for 10,000, most of a GET's database time, although usually none is held. This index
-- holds only the waiting ones, with the two columns the aggregate reads: no rows when nobody waits.
CREATE INDEX recipients_held ON recipients (workspace_id, batch_id) INCLUDE (hold_reason, next_attempt_at)
    WHERE status = 'pending' AND hold_reason IS NOT NULL;
