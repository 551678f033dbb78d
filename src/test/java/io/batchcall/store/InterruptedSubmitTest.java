package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewBatch;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.support.Await;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A streamed submit's transaction waits for its later recipients. A thread interrupted while it waits must roll the
 * transaction back over a connection that still works (an interrupted thread's socket may be closed under it), and
 * learn of the interrupt once the transaction is over.
 */
class InterruptedSubmitTest {
    private final Clock clock = Clock.systemUTC();
    private final IdSource ids = IdSource.secure();
    private Database database;
    private StoreSeed seed;

    @BeforeEach
    void aWorkspace() {
        database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        seed = StoreSeed.create(database, clock, ids, "interrupted", 10);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void a_submit_interrupted_while_it_waits_for_recipients_stores_nothing_and_is_interrupted_once_it_has_rolled_back()
            throws InterruptedException {
        var store = new BatchStore(database, clock, ids, new IdempotencyStore(database, clock));
        var feed = new RecipientFeed(2);
        var thrown = new AtomicReference<Throwable>();
        var interruptedAfter = new AtomicBoolean();
        var submitter = Thread.ofVirtual().start(() -> {
            try {
                store.submit(seed.workspace(), batch(), feed, Optional.empty());
            } catch (Throwable e) {
                thrown.set(e);
            }
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        // Interrupted while it waits for the feed, not in a statement: there an interrupt closes a virtual thread's
        // socket whatever the feed does.
        Await.until(
                Duration.ofSeconds(10),
                "the submit's transaction waiting for the feed",
                () -> java.util.Arrays.stream(submitter.getStackTrace())
                        .anyMatch(frame -> frame.getClassName().equals(RecipientFeed.class.getName())
                                && frame.getMethodName().equals("next")));
        assertThat(openTransactions()).as("its transaction open").isEqualTo(1);
        int session = database.jdbi()
                .withHandle(h -> h.createQuery("""
                        SELECT pid FROM pg_stat_activity
                        WHERE datname = current_database() AND state = 'idle in transaction'""").mapTo(Integer.class).one());

        submitter.interrupt();
        submitter.join();

        assertThat(thrown.get()).isInstanceOf(RecipientFeed.Abandon.class);
        assertThat(thrown.get().getSuppressed())
                .as("the rollback itself did not fail")
                .isEmpty();
        assertThat(interruptedAfter).as("interrupted once submit returned").isTrue();
        // Rolled back over its connection, which went back to the pool: its session is still there, idle. Had the
        // thread's interrupt been set during the rollback, its socket would have been closed and the session gone.
        Optional<String> state = database.jdbi()
                .withHandle(h -> h.createQuery("SELECT state FROM pg_stat_activity WHERE pid = :pid")
                        .bind("pid", session)
                        .mapTo(String.class)
                        .findOne());
        assertThat(state).as("the submit's session after its rollback").contains("idle");
        long batches = database.jdbi()
                .withHandle(h -> h.createQuery("SELECT count(*) FROM batches WHERE workspace_id = :w")
                        .bind("w", seed.workspace().value())
                        .mapTo(Long.class)
                        .one());
        assertThat(batches).isZero();
    }

    private long openTransactions() {
        return database.jdbi()
                .withHandle(h -> h.createQuery("""
                        SELECT count(*) FROM pg_stat_activity
                        WHERE datname = current_database() AND state = 'idle in transaction'""").mapTo(Long.class).one());
    }

    private NewBatch batch() {
        return new NewBatch(
                "interrupted",
                seed.agentId(),
                Optional.empty(),
                Optional.of(seed.numberId()),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                TelephonyCallConfig.defaults(),
                Optional.empty(),
                clock.instant(),
                StoreSeed.lettered("a"));
    }
}
