-- The pace of API requests to one provider account, shared by every node and workspace that uses the account
-- (ProviderRequestBudgets.reserve): Exotel allows 200 requests a minute per account, whatever number or node
-- sends them. One row per account; its next free request slot moves forward with each reservation. Not tenant
-- owned: two workspaces may hold numbers of the same account, and its limit is the account's.
CREATE TABLE provider_request_budgets (
    provider        text        NOT NULL,
    account         text        NOT NULL,
    next_request_at timestamptz NOT NULL,
    PRIMARY KEY (provider, account)
);
