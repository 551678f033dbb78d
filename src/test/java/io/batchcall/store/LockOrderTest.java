package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Claim;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewBatch;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Writers of attempts that run beside a lifecycle write (one holding the workspace and some of its attempts, as the
 * call-event writer and batch deletion do) wait for it instead of deadlocking with it, whichever attempts it holds.
 * Each case is played twice, the lifecycle write holding the first attempt and then the second, because a writer
 * that locks attempts in its own order deadlocks in one of the two.
 */
class LockOrderTest {
    private Database database;
    private WorkspaceId workspace;
    private List<AttemptRef> attempts;
    private final Clock clock = Clock.systemUTC();

    @BeforeEach
    void twoCallsInFlight() {
        database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        var ids = IdSource.secure();
        var seed = StoreSeed.create(database, clock, ids, "locks", 10);
        workspace = seed.workspace();
        var agent = seed.agentId();
        var number = seed.numberId();
        new BatchStore(database, clock, ids, new IdempotencyStore(database, clock))
                .submit(
                        workspace,
                        new NewBatch(
                                "b",
                                agent,
                                Optional.empty(),
                                Optional.of(number),
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                TelephonyCallConfig.defaults(),
                                Optional.of(10),
                                clock.instant(),
                                List.of(
                                        new NewRecipient(
                                                "r1", Optional.of("+14155550101"), Optional.empty(), Optional.empty()),
                                        new NewRecipient(
                                                "r2",
                                                Optional.of("+14155550102"),
                                                Optional.empty(),
                                                Optional.empty()))),
                        Optional.empty());
        attempts = new ClaimStore(database, clock, ids, "node-a", Duration.ofSeconds(30))
                .claim(workspace, n -> Optional.empty()).claims().stream()
                        .map(Claim::attempt)
                        .sorted(Comparator.comparing(AttemptRef::attemptId))
                        .toList();
        assertThat(attempts).hasSize(2);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void a_lease_renewal_waits_for_a_lifecycle_write_holding_either_attempt_and_then_renews_both() throws Exception {
        var leases = new LeaseStore(database, clock, "node-a", Duration.ofSeconds(30));
        for (var held : attempts) {
            var renewal = besideLifecycleWrite(held, () -> leases.renew(attempts));
            assertThat(renewal.renewedAttemptIds())
                    .containsExactlyInAnyOrderElementsOf(
                            attempts.stream().map(AttemptRef::attemptId).toList());
            assertThat(renewal.until()).isAfter(Instant.now());
        }
    }

    @Test
    void a_pause_waits_for_a_lifecycle_write_holding_either_attempt_and_then_pauses() throws Exception {
        var operations = new BatchOperations(database, new IdempotencyStore(database, clock), IdSource.secure());
        var batchId = batchId();
        for (var held : attempts) {
            var paused = besideLifecycleWrite(held, () -> operations.pause(workspace, batchId, Optional.empty()));
            assertThat(((Idempotent.Done<Optional<io.batchcall.domain.BatchSummary>>) paused)
                            .value()
                            .orElseThrow()
                            .batch()
                            .pausedAt())
                    .isPresent();
        }
    }

    @Test
    void a_recipient_cancel_and_a_claim_given_back_wait_for_a_lifecycle_write_instead_of_deadlocking()
            throws Exception {
        var operations = new BatchOperations(database, new IdempotencyStore(database, clock), IdSource.secure());
        var claims = new ClaimStore(database, clock, IdSource.secure(), "node-a", Duration.ofSeconds(30));
        var batchId = batchId();
        var recipientOfSecond = database.jdbi()
                .withHandle(h -> h.createQuery("SELECT recipient_id FROM attempts WHERE id = :id")
                        .bind("id", attempts.get(1).attemptId())
                        .mapTo(String.class)
                        .one());

        var cancelled = besideLifecycleWrite(
                attempts.get(0),
                () -> operations.cancelRecipient(workspace, batchId, recipientOfSecond, Optional.empty()));
        var givenBack =
                besideLifecycleWrite(attempts.get(1), () -> claims.giveBack().unclaim(attempts.get(0)));

        assertThat(((Idempotent.Done<Optional<io.batchcall.domain.Recipient>>) cancelled)
                        .value()
                        .orElseThrow()
                        .status()
                        .wireName())
                .isEqualTo("cancelled");
        assertThat(givenBack).isInstanceOf(ClaimGiveBack.Given.Back.class);
    }

    @Test
    void an_opt_out_waits_for_a_lifecycle_write_then_cancels_only_the_waiting_recipient() throws Exception {
        var ids = IdSource.secure();
        var agent = database.jdbi()
                .withHandle(h -> h.createQuery("SELECT agent_id FROM batches WHERE id = :id")
                        .bind("id", batchId())
                        .mapTo(String.class)
                        .one());
        var later = new BatchStore(database, clock, ids, new IdempotencyStore(database, clock))
                .submit(
                        workspace,
                        new NewBatch(
                                "later",
                                agent,
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                TelephonyCallConfig.defaults(),
                                Optional.empty(),
                                clock.instant().plusSeconds(3600),
                                List.of(new NewRecipient(
                                        "w1", Optional.of("+14155550101"), Optional.empty(), Optional.empty()))),
                        Optional.empty());
        var laterId = ((Idempotent.Done<io.batchcall.domain.BatchSummary>) later)
                .value()
                .batch()
                .id();
        var optOuts = new OptOutStore(database, clock, ids);

        var recorded = besideLifecycleWrite(
                attempts.get(0),
                () -> optOuts.record(
                        workspace,
                        new OptOutStore.NewOptOut(
                                "+14155550101",
                                Optional.empty(),
                                "api",
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty())));

        assertThat(recorded.created()).isTrue();
        assertThat(recorded.cancelledRecipients()).isEqualTo(1);
        var statuses = database.jdbi()
                .withHandle(h -> h.createQuery("""
                                SELECT batch_id || ':' || status FROM recipients
                                WHERE workspace_id = :w AND phone_number = '+14155550101'""")
                        .bind("w", workspace.value())
                        .mapTo(String.class)
                        .list());
        assertThat(statuses).containsExactlyInAnyOrder(batchId() + ":dispatched", laterId + ":cancelled");
    }

    private String batchId() {
        return database.jdbi()
                .withHandle(h -> h.createQuery("SELECT batch_id FROM attempts WHERE id = :id")
                        .bind("id", attempts.get(0).attemptId())
                        .mapTo(String.class)
                        .one());
    }

    /**
     * Plays a lifecycle write beside {@code other}: the workspace and {@code held} are locked, {@code other} starts
     * and is seen waiting, then every other attempt is locked too (what the writer does next) and the write
     * commits. Returns what {@code other} returned; fails if either side was chosen as a deadlock victim.
     */
    private <T> T besideLifecycleWrite(AttemptRef held, Supplier<T> other) throws Exception {
        try (Handle writer = database.jdbi().open()) {
            writer.begin();
            AttemptLifecycle.lockWorkspaces(writer, List.of(workspace.value()));
            lockAttempt(writer, held);
            int writerPid = writer.createQuery("SELECT pg_backend_pid()")
                    .mapTo(Integer.class)
                    .one();
            var running = CompletableFuture.supplyAsync(other);
            awaitSomeoneWaitingOnALock(writerPid, running);
            for (var attempt : attempts) {
                if (!attempt.equals(held)) {
                    lockAttempt(writer, attempt);
                }
            }
            writer.commit();
            return running.get(30, TimeUnit.SECONDS);
        }
    }

    private static void lockAttempt(Handle handle, AttemptRef attempt) {
        handle.createQuery("SELECT id FROM attempts WHERE workspace_id = :w AND id = :id FOR NO KEY UPDATE")
                .bind("w", attempt.workspaceId().value())
                .bind("id", attempt.attemptId())
                .mapTo(String.class)
                .one();
    }

    private void awaitSomeoneWaitingOnALock(int writerPid, CompletableFuture<?> running) throws Exception {
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (running.isDone()) {
                running.get();
                throw new AssertionError("the other write did not wait for the lifecycle write holding the workspace");
            }
            boolean waiting = database.jdbi()
                    .withHandle(h -> h.createQuery("""
                            SELECT count(*) > 0 FROM pg_stat_activity
                            WHERE pid <> :writer AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'""")
                            .bind("writer", writerPid)
                            .mapTo(Boolean.class)
                            .one());
            if (waiting) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("the other write never waited on a lock");
    }
}
