package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.ApiKeySecret;
import io.batchcall.domain.IdSource;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

/** A transaction PostgreSQL picks as a deadlock's victim runs again instead of failing its caller. */
class CollisionRetriesTest {

    @Test
    void a_transaction_chosen_as_a_deadlock_victim_runs_again_and_commits() throws Exception {
        var database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        var ids = IdSource.secure();
        var workspaces = new WorkspaceStore(database, Clock.systemUTC(), ids);
        var first = workspaces
                .createWithApiKey("first", 1, ApiKeySecret.generate(ids))
                .workspace()
                .id()
                .value();
        var second = workspaces
                .createWithApiKey("second", 1, ApiKeySecret.generate(ids))
                .workspace()
                .id()
                .value();
        var runs = new AtomicInteger();
        try (Handle other = database.jdbi().open()) {
            other.begin();
            // PostgreSQL's deadlock check runs in a waiter once its deadlock_timeout has passed, and aborts that
            // waiter. The other waits first with a long timeout; the victim closes the cycle second with a short
            // one, so its check is the one that finds the cycle.
            other.execute("SET LOCAL deadlock_timeout = '60s'");
            int otherPid = other.createQuery("SELECT pg_backend_pid()")
                    .mapTo(Integer.class)
                    .one();
            lock(other, second);
            var holdsFirst = new CountDownLatch(1);
            var otherEnded = new CountDownLatch(1);
            var victim = CompletableFuture.supplyAsync(() -> database.jdbi().inTransaction(handle -> {
                handle.execute("SET LOCAL deadlock_timeout = '50ms'");
                if (runs.incrementAndGet() == 1) {
                    lock(handle, first);
                    holdsFirst.countDown();
                    awaitWaiting(database, otherPid);
                } else {
                    // Once the victim's first run is aborted, the other still has to wake and take the row: a
                    // second run quicker than that would lock it first and close the same cycle again.
                    awaitLatch(otherEnded);
                    lock(handle, first);
                }
                lock(handle, second);
                return handle.createUpdate("UPDATE workspaces SET name = 'renamed' WHERE id = :id")
                        .bind("id", first)
                        .execute();
            }));
            assertThat(holdsFirst.await(20, TimeUnit.SECONDS)).isTrue();
            lock(other, first);
            other.commit();
            otherEnded.countDown();
            assertThat(victim.get(30, TimeUnit.SECONDS)).isEqualTo(1);
        }
        assertThat(runs.get()).isEqualTo(2);
        String name = database.jdbi()
                .withHandle(h -> h.createQuery("SELECT name FROM workspaces WHERE id = :id")
                        .bind("id", first)
                        .mapTo(String.class)
                        .one());
        assertThat(name).isEqualTo("renamed");
        database.close();
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            assertThat(latch.await(20, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void lock(Handle handle, String workspaceId) {
        handle.createQuery("SELECT id FROM workspaces WHERE id = :id FOR NO KEY UPDATE")
                .bind("id", workspaceId)
                .mapTo(String.class)
                .one();
    }

    private static void awaitWaiting(Database database, int pid) {
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            boolean waiting = database.jdbi()
                    .withHandle(h -> h.createQuery("""
                            SELECT count(*) > 0 FROM pg_stat_activity WHERE pid = :pid AND wait_event_type = 'Lock'""")
                            .bind("pid", pid)
                            .mapTo(Boolean.class)
                            .one());
            if (waiting) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("the other transaction never waited for the victim's lock");
    }
}
