-- A recipient still belongs to an existing batch and goes when its batch goes, but the check runs once per
-- statement instead of once per row. The foreign key ran its trigger for every inserted recipient: a lookup of the
-- same batch row 10,000 times in a 10,000-recipient submit, 175 ms of a 600 ms insert (EXPLAIN ANALYZE, issue 17);
-- the statement-level check below took 45 ms for the same insert, most of it filling the transition table.
--
-- What the foreign key guaranteed, and how each part is kept:
--   * an inserted recipient's batch exists: recipients_batch_exists, after each INSERT statement, over the
--     distinct batches of the inserted rows; it locks them FOR KEY SHARE, as the foreign key's check did, so that
--     a batch cannot be deleted by another transaction between the check and this one's commit;
--   * a recipient is not moved to another batch: recipients_batch_fixed refuses any UPDATE that sets those columns
--     (none of ours does; a column-list trigger costs nothing to the updates that do not name them);
--   * deleting a batch deletes its recipients (ON DELETE CASCADE): batches_delete_recipients, after each DELETE
--     statement on batches, in the same statement as the cascade ran;
--   * a batch's key does not change under its recipients (ON UPDATE NO ACTION): batches_key_fixed refuses any
--     UPDATE that sets batches.workspace_id or batches.id (none of ours does).
-- These hold under READ COMMITTED, the isolation every transaction of batchcall runs at: each trigger's statement
-- reads a fresh snapshot. (Under REPEATABLE READ the cascade's DELETE would not see recipients committed after the
-- transaction's snapshot, where the foreign key raised a serialization failure.)
ALTER TABLE recipients DROP CONSTRAINT recipients_workspace_id_batch_id_fkey;

CREATE FUNCTION recipients_batch_exists() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wanted integer;
    locked integer;
BEGIN
    SELECT count(*) INTO wanted FROM (SELECT DISTINCT workspace_id, batch_id FROM inserted) AS n;
    PERFORM 1
    FROM batches AS b
    JOIN (SELECT DISTINCT workspace_id, batch_id FROM inserted) AS n
        ON b.workspace_id = n.workspace_id AND b.id = n.batch_id
    FOR KEY SHARE OF b;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked <> wanted THEN
        RAISE foreign_key_violation
            USING MESSAGE = 'insert into recipients names a batch that does not exist',
                  CONSTRAINT = 'recipients_batch_exists';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER recipients_batch_exists
    AFTER INSERT ON recipients
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION recipients_batch_exists();

CREATE FUNCTION recipients_batch_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.workspace_id IS DISTINCT FROM OLD.workspace_id OR NEW.batch_id IS DISTINCT FROM OLD.batch_id THEN
        RAISE foreign_key_violation
            USING MESSAGE = 'a recipient cannot be moved to another batch',
                  CONSTRAINT = 'recipients_batch_fixed';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER recipients_batch_fixed
    BEFORE UPDATE OF workspace_id, batch_id ON recipients
    FOR EACH ROW EXECUTE FUNCTION recipients_batch_fixed();

CREATE FUNCTION batches_delete_recipients() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM recipients AS r
    USING deleted AS d
    WHERE r.workspace_id = d.workspace_id AND r.batch_id = d.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER batches_delete_recipients
    AFTER DELETE ON batches
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION batches_delete_recipients();

CREATE FUNCTION batches_key_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.workspace_id IS DISTINCT FROM OLD.workspace_id OR NEW.id IS DISTINCT FROM OLD.id THEN
        RAISE foreign_key_violation
            USING MESSAGE = 'a batch''s workspace_id and id cannot change',
                  CONSTRAINT = 'batches_key_fixed';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER batches_key_fixed
    BEFORE UPDATE OF workspace_id, id ON batches
    FOR EACH ROW EXECUTE FUNCTION batches_key_fixed();
