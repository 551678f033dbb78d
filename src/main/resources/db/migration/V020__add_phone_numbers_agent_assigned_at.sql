-- When a number was assigned to its agent. An agent's phone_number_id is its most recently *assigned* number;
-- ordering by updated_at would let a mere label change make another number "the" agent's number.
ALTER TABLE phone_numbers ADD COLUMN agent_assigned_at timestamptz;
UPDATE phone_numbers SET agent_assigned_at = updated_at WHERE agent_id IS NOT NULL;

-- An agent's assigned number (PhoneNumberStore.assignedTo), its numbers (GET agent, GET phone-numbers?agent_id=).
DROP INDEX phone_numbers_by_agent;
CREATE INDEX phone_numbers_by_agent ON phone_numbers (workspace_id, agent_id, agent_assigned_at DESC, id DESC)
    WHERE deleted_at IS NULL;
