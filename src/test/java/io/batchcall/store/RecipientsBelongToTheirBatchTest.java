package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewRecipient;
import io.batchcall.support.Await;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the recipients' foreign key to their batch guaranteed, now checked once per statement (V159): a recipient
 * names a batch that exists, stays in it, and goes when the batch is deleted; a batch being given recipients cannot
 * be deleted under them, nor a deleted batch given recipients; and the batch's other columns stay free to update
 * meanwhile, as the key's {@code FOR KEY SHARE} left them.
 */
class RecipientsBelongToTheirBatchTest {
    private static final String FOREIGN_KEY_VIOLATION = "23503";
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    private Database database;
    private StoreSeed seed;
    private String first;
    private String second;

    @BeforeEach
    void twoBatchesOfTwoRecipients() {
        database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        var clock = Clock.systemUTC();
        var ids = IdSource.secure();
        seed = StoreSeed.create(database, clock, ids, "belong", 10);
        seed.submit(database, clock, ids, List.of(recipient("+14155550111"), recipient("+14155550112")));
        seed.submit(database, clock, ids, List.of(recipient("+14155550113"), recipient("+14155550114")));
        var batches = database.jdbi()
                .withHandle(h -> h.createQuery("SELECT id FROM batches WHERE workspace_id = :w ORDER BY created_at, id")
                        .bind("w", seed.workspace().value())
                        .mapTo(String.class)
                        .list());
        assertThat(batches).hasSize(2);
        first = batches.get(0);
        second = batches.get(1);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void recipients_naming_a_batch_that_does_not_exist_are_refused_and_none_of_the_statement_is_stored() {
        // One row of an existing batch and one of a missing batch, in one statement, as a submit writes them.
        assertThatThrownBy(() -> database.jdbi()
                        .useHandle(h -> h.createUpdate("""
                        INSERT INTO recipients (workspace_id, batch_id, id, position, phone_number, status,
                            created_at, updated_at)
                        VALUES (:w, :batch, 'rcp_fine', 10, '+14155550120', 'pending', :now, :now),
                               (:w, 'btcal_missing', 'rcp_orphan', 0, '+14155550121', 'pending', :now, :now)""")
                                .bind("w", seed.workspace().value())
                                .bind("now", Rows.at(Instant.now()))
                                .bind("batch", first)
                                .execute()))
                .satisfies(e -> assertThat(sqlState(e)).isEqualTo(FOREIGN_KEY_VIOLATION))
                .hasMessageContaining("names a batch that does not exist");

        assertThat(recipientsOf(first)).isEqualTo(2);
        assertThat(recipientsOf("btcal_missing")).isZero();
    }

    @Test
    void a_recipient_cannot_be_moved_to_another_batch() {
        assertThatThrownBy(() -> database.jdbi()
                        .useHandle(h -> h.createUpdate("""
                                UPDATE recipients SET batch_id = :to WHERE workspace_id = :w AND batch_id = :from""")
                                .bind("w", seed.workspace().value())
                                .bind("from", first)
                                .bind("to", second)
                                .execute()))
                .satisfies(e -> assertThat(sqlState(e)).isEqualTo(FOREIGN_KEY_VIOLATION));

        assertThat(recipientsOf(first)).isEqualTo(2);
        assertThat(recipientsOf(second)).isEqualTo(2);
    }

    @Test
    void a_batch_with_recipients_keeps_its_key() {
        assertThatThrownBy(() -> database.jdbi()
                        .useHandle(h -> h.createUpdate("""
                                UPDATE batches SET id = 'btcal_renamed' WHERE workspace_id = :w AND id = :batch""")
                                .bind("w", seed.workspace().value())
                                .bind("batch", first)
                                .execute()))
                .satisfies(e -> assertThat(sqlState(e)).isEqualTo(FOREIGN_KEY_VIOLATION));

        assertThat(recipientsOf(first)).isEqualTo(2);
    }

    @Test
    void deleting_a_batch_deletes_its_recipients_and_no_other_batches() {
        var batches = new BatchStore(
                database, Clock.systemUTC(), IdSource.secure(), new IdempotencyStore(database, Clock.systemUTC()));

        assertThat(batches.delete(seed.workspace(), first)).isTrue();

        assertThat(recipientsOf(first)).isZero();
        assertThat(recipientsOf(second)).isEqualTo(2);
    }

    @Test
    void a_batch_cannot_be_deleted_while_another_transaction_is_giving_it_recipients_but_can_be_updated() {
        try (Handle giving = database.jdbi().open()) {
            giving.begin();
            insertOne(giving, first, "rcp_late");

            // The insert holds its batch row as the foreign key's check did: a delete waits for it (here it
            // gives up at once instead of waiting, so that the test needs no second thread) ...
            assertThatThrownBy(() -> database.jdbi().useTransaction(deleting -> {
                        deleting.execute("SET LOCAL lock_timeout = '50ms'");
                        deleting.createUpdate("DELETE FROM batches WHERE workspace_id = :w AND id = :batch")
                                .bind("w", seed.workspace().value())
                                .bind("batch", first)
                                .execute();
                    }))
                    .satisfies(e -> assertThat(sqlState(e)).isEqualTo(LOCK_NOT_AVAILABLE));
            // ... while the dispatcher's updates of the batch's counters and status do not (FOR KEY SHARE, not a
            // stronger lock that would stall every running batch's writes behind a submit).
            database.jdbi().useTransaction(updating -> {
                updating.execute("SET LOCAL lock_timeout = '50ms'");
                updating.createUpdate("""
                                UPDATE batches SET total_dispatched = total_dispatched + 1
                                WHERE workspace_id = :w AND id = :batch""")
                        .bind("w", seed.workspace().value())
                        .bind("batch", first)
                        .execute();
            });
            giving.commit();
        }
        assertThat(recipientsOf(first)).isEqualTo(3);
    }

    @Test
    void recipients_waiting_for_a_batch_that_another_transaction_then_deletes_are_refused() throws Exception {
        try (Handle deleting = database.jdbi().open()) {
            deleting.begin();
            deleting.createUpdate("DELETE FROM batches WHERE workspace_id = :w AND id = :batch")
                    .bind("w", seed.workspace().value())
                    .bind("batch", first)
                    .execute();
            var giving = CompletableFuture.runAsync(
                    () -> database.jdbi().useTransaction(h -> insertOne(h, first, "rcp_late")));
            Await.until(Duration.ofSeconds(20), "the insert waits for the deleted batch's row", () -> {
                if (giving.isDone()) {
                    return true; // it did not wait: the join below reports how it ended
                }
                return database.jdbi()
                        .withHandle(h -> h.createQuery("""
                                        SELECT count(*) > 0 FROM pg_stat_activity
                                        WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO recipients%'""").mapTo(Boolean.class).one());
            });
            deleting.commit();

            assertThatThrownBy(giving::join)
                    .satisfies(e -> assertThat(sqlState(e)).isEqualTo(FOREIGN_KEY_VIOLATION))
                    .hasMessageContaining("names a batch that does not exist");
        }
        assertThat(recipientsOf(first)).isZero();
    }

    private void insertOne(Handle handle, String batch, String id) {
        handle.createUpdate("""
                        INSERT INTO recipients (workspace_id, batch_id, id, position, phone_number, status,
                            created_at, updated_at)
                        VALUES (:w, :batch, :id, 10, '+14155550122', 'pending', :now, :now)""")
                .bind("w", seed.workspace().value())
                .bind("batch", batch)
                .bind("id", id)
                .bind("now", Rows.at(Instant.now()))
                .execute();
    }

    private int recipientsOf(String batch) {
        return database.jdbi()
                .withHandle(h -> h.createQuery("""
                                SELECT count(*) FROM recipients WHERE workspace_id = :w AND batch_id = :batch""")
                        .bind("w", seed.workspace().value())
                        .bind("batch", batch)
                        .mapTo(Integer.class)
                        .one());
    }

    private static NewRecipient recipient(String number) {
        return new NewRecipient("rcp_" + number.substring(1), Optional.of(number), Optional.empty(), Optional.empty());
    }

    private static String sqlState(Throwable thrown) {
        for (var cause = thrown; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                return sql.getSQLState();
            }
        }
        return "no SQLException in " + thrown;
    }
}
