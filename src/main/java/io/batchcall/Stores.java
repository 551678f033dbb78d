package io.batchcall;

import io.batchcall.domain.IdSource;
import io.batchcall.rules.CallingWindowRules;
import io.batchcall.rules.JollydayHolidays;
import io.batchcall.store.AgentStore;
import io.batchcall.store.ApiKeyStore;
import io.batchcall.store.AttemptStore;
import io.batchcall.store.BatchStore;
import io.batchcall.store.BranchStore;
import io.batchcall.store.ConversationStore;
import io.batchcall.store.CredentialCipher;
import io.batchcall.store.Database;
import io.batchcall.store.IdempotencyStore;
import io.batchcall.store.PhoneNumberStore;
import io.batchcall.store.RecipientStore;
import io.batchcall.store.SuppressionStore;
import io.batchcall.store.WorkspaceStore;
import java.time.Clock;

/**
 * The stores of the aggregates that HTTP and the dispatcher share, one each per node. Stores are plain objects
 * over the pool: creating them starts nothing and needs no stop.
 */
record Stores(
        WorkspaceStore workspaces,
        ApiKeyStore keys,
        AgentStore agents,
        BranchStore branches,
        PhoneNumberStore phoneNumbers,
        ConversationStore conversations,
        IdempotencyStore idempotency,
        BatchStore batches,
        RecipientStore recipients,
        SuppressionStore suppressions,
        AttemptStore attempts) {

    /** Creates them in the order App always has (none of them starts anything). */
    static Stores create(Database database, Clock clock, IdSource ids, CredentialCipher cipher) {
        var workspaces = new WorkspaceStore(database, clock, ids);
        var keys = new ApiKeyStore(database, clock, ids);
        var agents = new AgentStore(database, clock, ids);
        var branches = new BranchStore(database, clock, ids);
        var phoneNumbers = new PhoneNumberStore(database, clock, cipher, ids);
        var conversations = new ConversationStore(database, clock, ids);
        var idempotency = new IdempotencyStore(database, clock);
        // The claim's calling windows, so that the submit writes the holds the first claim would (SubmitHolds).
        var batches = new BatchStore(database, clock, ids, idempotency, new CallingWindowRules(new JollydayHolidays()));
        var recipients = new RecipientStore(database);
        var suppressions = new SuppressionStore(database, clock, ids);
        return new Stores(
                workspaces,
                keys,
                agents,
                branches,
                phoneNumbers,
                conversations,
                idempotency,
                batches,
                recipients,
                suppressions,
                new AttemptStore(database));
    }
}
