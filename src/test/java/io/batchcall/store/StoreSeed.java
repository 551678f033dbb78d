package io.batchcall.store;

import io.batchcall.domain.ApiKeySecret;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * What the store-level tests start from: a workspace with its concurrency limit, one agent, and one simulator
 * number (+14155550100) fast enough (10,000 calls a second) that pacing never decides what a test measures.
 */
record StoreSeed(WorkspaceId workspace, String agentId, String numberId) {
    static StoreSeed create(Database database, Clock clock, IdSource ids, String name, int concurrencyLimit) {
        var workspace = new WorkspaceStore(database, clock, ids)
                .createWithApiKey(name, concurrencyLimit, ApiKeySecret.generate(ids))
                .workspace()
                .id();
        var agent = new AgentStore(database, clock, ids)
                .create(
                        workspace,
                        new AgentStore.NewAgent("a", "{}", "[]", Optional.empty(), Optional.empty(), Optional.empty()),
                        Optional.empty())
                .id();
        var number = new PhoneNumberStore(database, clock, new CredentialCipher(new byte[32]), ids)
                .create(
                        workspace,
                        new PhoneNumberStore.NewPhoneNumber(
                                Provider.SIMULATOR,
                                "+14155550100",
                                "n",
                                Optional.empty(),
                                "{}",
                                Map.of(),
                                new BigDecimal("10000"),
                                false,
                                true))
                .id();
        return new StoreSeed(workspace, agent, number);
    }

    /**
     * Recipients with these one-letter ids ({@code a}, {@code b}, ...), each with its own number: {@code a} calls
     * +14155550100, {@code b} +14155550101, and so on.
     */
    static java.util.List<io.batchcall.domain.NewRecipient> lettered(String... ids) {
        return java.util.Arrays.stream(ids)
                .map(id -> new io.batchcall.domain.NewRecipient(
                        id, Optional.of("+1415555010" + (id.charAt(0) - 'a')), Optional.empty(), Optional.empty()))
                .toList();
    }

    /** Submits a batch of these recipients on the seed's agent and number, due now, with no limit of its own. */
    void submit(
            Database database, Clock clock, IdSource ids, java.util.List<io.batchcall.domain.NewRecipient> recipients) {
        new BatchStore(database, clock, ids, new IdempotencyStore(database, clock))
                .submit(
                        workspace,
                        new io.batchcall.domain.NewBatch(
                                "b",
                                agentId,
                                Optional.empty(),
                                Optional.of(numberId),
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                io.batchcall.domain.TelephonyCallConfig.defaults(),
                                Optional.empty(),
                                clock.instant(),
                                recipients),
                        Optional.empty());
    }
}
