package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.RecipientStatus;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A submit, an append or a retry of many recipients leaves the planner knowing they are open, whatever the last
 * ANALYZE saw: otherwise the first call-event groups of a new batch were planned as a scan of all recipients per
 * reported call (2.5 to 5.4 s a group for a batch of 10,000). Autovacuum is off for recipients in these databases, so
 * that only the code under test can bring the statistics up to date.
 */
class PlannerStatisticsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Clock clock = Clock.systemUTC();
    private final IdSource ids = IdSource.secure();
    private Database database;
    private StoreSeed seed;

    @BeforeEach
    void aWorkspaceWhoseRecipientsAreAllFinished() {
        database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        database.jdbi().useHandle(h -> h.execute("ALTER TABLE recipients SET (autovacuum_enabled = false)"));
        seed = StoreSeed.create(database, clock, ids, "statistics", 10);
        seed.submit(database, clock, ids, recipients(0, 200));
        database.jdbi().useHandle(h -> {
            h.execute("UPDATE recipients SET status = 'completed'");
            h.execute("ANALYZE recipients");
        });
        assertThat(expectedOpenRecipients())
                .as("what the planner expects before: the hazard this guards against")
                .isLessThanOrEqualTo(2);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void a_large_submit_leaves_the_planner_expecting_its_recipients_open() {
        seed.submit(database, clock, ids, recipients(0, 2_000));

        assertThat(expectedOpenRecipients()).isBetween(1_800L, 2_200L);
    }

    @Test
    void a_submit_of_fewer_than_500_recipients_leaves_the_statistics_as_they_were() {
        seed.submit(database, clock, ids, recipients(0, 499));

        assertThat(expectedOpenRecipients()).isLessThanOrEqualTo(2);
    }

    @Test
    void a_large_append_leaves_the_planner_expecting_the_new_recipients_open() {
        seed.submit(database, clock, ids, recipients(0, 1));
        database.jdbi().useHandle(h -> h.execute("ANALYZE recipients"));
        new BatchOperations(database, new IdempotencyStore(database, clock), ids)
                .appendRecipients(seed.workspace(), newestBatch(), recipients(1, 1_500), Optional.empty());

        assertThat(expectedOpenRecipients()).isBetween(1_300L, 1_700L);
    }

    @Test
    void a_retry_that_reopens_many_recipients_leaves_the_planner_expecting_them_open() {
        seed.submit(database, clock, ids, recipients(0, 1_200));
        database.jdbi().useHandle(h -> {
            h.execute("UPDATE recipients SET status = 'failed' WHERE status = 'pending'");
            h.execute("ANALYZE recipients");
        });
        assertThat(expectedOpenRecipients()).isLessThanOrEqualTo(2);

        new BatchStore(database, clock, ids, new IdempotencyStore(database, clock))
                .retry(seed.workspace(), newestBatch(), Optional.empty());

        assertThat(expectedOpenRecipients()).isBetween(1_000L, 1_400L);
    }

    @Test
    void a_table_too_large_to_be_read_whole_is_not_analyzed() {
        database.jdbi().useHandle(h -> {
            seed.submit(database, clock, ids, recipients(0, 1));
            h.createUpdate("""
                            INSERT INTO recipients (workspace_id, batch_id, id, position, status, created_at,
                                updated_at)
                            SELECT :w, :batch, 'rcp_bulk_' || n, n, 'completed', now(), now()
                            FROM generate_series(1, 12000) AS n""")
                    .bind("w", seed.workspace().value())
                    .bind("batch", newestBatch())
                    .execute();
            long pages = PlannerStatistics.pages(h);

            // The bound is 20,000 pages (160 MB); a table that large is too slow for a unit test, so it is lowered.
            assertThat(PlannerStatistics.afterRecipientsChanged(h, 1_000, pages - 1))
                    .isFalse();
            assertThat(PlannerStatistics.afterRecipientsChanged(h, 1_000, pages))
                    .isTrue();
            assertThat(PlannerStatistics.afterRecipientsChanged(h, 499, pages)).isFalse();
        });
    }

    /** The rows the planner expects an open-status filter on recipients to find. */
    private long expectedOpenRecipients() {
        var plan = database.jdbi()
                .withHandle(
                        h -> h.createQuery("EXPLAIN (FORMAT JSON) SELECT 1 FROM recipients WHERE status = ANY(:open)")
                                .bindArray("open", String.class, RecipientStatus.open())
                                .mapTo(String.class)
                                .one());
        try {
            return JSON.readTree(plan).get(0).get("Plan").get("Plan Rows").asLong();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private String newestBatch() {
        return database.jdbi()
                .withHandle(h -> h.createQuery("""
                        SELECT id FROM batches WHERE workspace_id = :w ORDER BY created_at DESC, id DESC LIMIT 1""")
                        .bind("w", seed.workspace().value())
                        .mapTo(String.class)
                        .one());
    }

    /** {@code count} recipients with distinct numbers, the first numbered {@code from}. */
    private static List<NewRecipient> recipients(int from, int count) {
        return IntStream.range(from, from + count)
                .mapToObj(i -> {
                    var number = "+1415555" + String.format("%04d", i);
                    return new NewRecipient(
                            "rcp_" + number.substring(1), Optional.of(number), Optional.empty(), Optional.empty());
                })
                .toList();
    }
}
