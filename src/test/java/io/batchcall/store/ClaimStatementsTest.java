package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.Claim;
import io.batchcall.domain.FrequencyCap;
import io.batchcall.domain.IdSource;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One workspace's claims run one after another on a node, so a claim's statements bound how soon a freed line is
 * dialed again. The claim reads what it checks in as few statements as it can: the frequency caps with the
 * workspace's lock, and the opt-outs with whether any do-not-call list has entries.
 */
class ClaimStatementsTest {
    private final Clock clock = Clock.systemUTC();
    private Database database;

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void a_claim_reads_the_caps_with_its_lock_and_the_opt_outs_with_the_lists_presence_and_skips_an_opted_out_number() {
        database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        var ids = IdSource.secure();
        var seed = StoreSeed.create(database, clock, ids, "claim-statements", 4);
        new FrequencyCaps(database).replace(seed.workspace(), List.of(new FrequencyCap(3, Duration.ofDays(1))));
        seed.submit(database, clock, ids, StoreSeed.lettered("a", "b", "c", "d", "e", "f"));
        // b's number opted out after the submit (on another node, say): the claim's check is the one that counts.
        database.jdbi()
                .useHandle(h -> h.createUpdate("""
                        INSERT INTO opt_outs (workspace_id, id, number, channel, created_at)
                        VALUES (:workspace, 'oo_b', '+14155550101', 'api', now())""")
                        .bind("workspace", seed.workspace().value())
                        .execute());
        var log = StatementLog.of(database);

        var result = new ClaimStore(database, clock, ids, "node-a", Duration.ofSeconds(30))
                .claim(seed.workspace(), number -> Optional.empty());
        var claimStatements = log.statements();

        // Two: a batch without a limit of its own takes half the workspace's 4 (ElevenLabs' rule), b skipped.
        assertThat(result.claims()).extracting(Claim::recipientId).containsExactly("a", "c");
        assertThat(recipientSkip("b")).isEqualTo("cancelled opted_out");
        assertThat(claimStatements)
                .as("the claim's statements (21 before): no read of the caps or of the lists' presence of its own")
                .hasSizeLessThanOrEqualTo(19)
                .noneMatch(s -> s.contains("jsonb_array_elements") && !s.contains("FOR NO KEY UPDATE"))
                .noneMatch(s -> s.contains("FROM suppression_entries") && !s.contains("FROM opt_outs"));
    }

    private String recipientSkip(String recipientId) {
        return database.jdbi()
                .withHandle(h -> h.createQuery("SELECT status || ' ' || skip_reason FROM recipients WHERE id = :id")
                        .bind("id", recipientId)
                        .mapTo(String.class)
                        .one());
    }
}
