-- dynamic_variable_params (GET /v1/convai/conversations): a workspace's variable names are its own, so no index on
-- conversations can be made for them in advance; without one the list walked the workspace's conversations newest
-- first and tested each (bench/run: 45 ms for a value held by 0.1% of 1,000,000 conversations, growing with them).
-- Each conversation's dynamic variables are also kept here as text, one row each, in the list's order under the
-- variable and its value: an eq condition reads a page of matches straight from this key (ConversationListing
-- joins it), at any number of conversations; an in condition reads the matches of each of its values and sorts
-- them.
--
-- value is the variable as the filter compares it, its JSON text (#>> '{}'), so "42" finds the number 42 and the
-- string "42", as the row-by-row test does. JSON null has no text and no row. Names and values over 400 bytes get no
-- row (a B-tree key must fit in a third of a page, 2,704 bytes; bytes, not characters, so that the bound is the same
-- in every database encoding and in ConversationListing); the list tests those row by row, as before.
--
-- A conversation's client data and start time never change after it is written: rows are added when conversations
-- are inserted and removed when they are deleted, once per statement, and a change to either is refused.
CREATE TABLE conversation_variables (
    workspace_id    text        NOT NULL,
    name            text        NOT NULL,
    value           text        NOT NULL,
    start_time      timestamptz NOT NULL,
    conversation_id text        NOT NULL,
    PRIMARY KEY (workspace_id, name, value, start_time, conversation_id)
);

-- They grow with conversations, which V158 analyzes after 1% of change: these follow.
ALTER TABLE conversation_variables SET (autovacuum_analyze_scale_factor = 0.01, autovacuum_analyze_threshold = 500);

CREATE FUNCTION conversation_variables_of(conversations_client_data jsonb)
    RETURNS TABLE (name text, value text) LANGUAGE sql IMMUTABLE AS $$
    SELECT v.key, v.value #>> '{}'
    FROM jsonb_each(CASE WHEN jsonb_typeof(conversations_client_data -> 'dynamic_variables') = 'object'
                         THEN conversations_client_data -> 'dynamic_variables' END) AS v
    WHERE octet_length(v.key) <= 400 AND octet_length(v.value #>> '{}') <= 400
$$;

CREATE FUNCTION conversation_variables_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO conversation_variables (workspace_id, name, value, start_time, conversation_id)
    SELECT c.workspace_id, v.name, v.value, c.start_time, c.id
    FROM added c, conversation_variables_of(c.client_data) AS v;
    RETURN NULL;
END
$$;

CREATE TRIGGER conversation_variables_added AFTER INSERT ON conversations
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION conversation_variables_added();

CREATE FUNCTION conversation_variables_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM conversation_variables cv
    USING removed c, conversation_variables_of(c.client_data) AS v
    WHERE cv.workspace_id = c.workspace_id AND cv.name = v.name AND cv.value = v.value
      AND cv.start_time = c.start_time AND cv.conversation_id = c.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER conversation_variables_removed AFTER DELETE ON conversations
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION conversation_variables_removed();

CREATE FUNCTION conversation_variables_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.workspace_id, NEW.id, NEW.start_time, NEW.client_data)
       IS DISTINCT FROM (OLD.workspace_id, OLD.id, OLD.start_time, OLD.client_data) THEN
        RAISE EXCEPTION 'a conversation''s workspace, id, start time and client data do not change (%)', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;

-- Fires only for statements that name one of these columns: the lifecycle's updates of status and results do not.
CREATE TRIGGER conversation_variables_fixed BEFORE UPDATE OF workspace_id, id, start_time, client_data
    ON conversations FOR EACH ROW EXECUTE FUNCTION conversation_variables_fixed();

-- The conversations already there.
INSERT INTO conversation_variables (workspace_id, name, value, start_time, conversation_id)
SELECT c.workspace_id, v.name, v.value, c.start_time, c.id
FROM conversations c, conversation_variables_of(c.client_data) AS v;
