package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.AttemptLifecycle;
import io.batchcall.support.Await;
import io.batchcall.support.MutableClock;
import io.batchcall.support.TestDatabase;
import io.batchcall.telephony.TelephonyProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node's one call-event writer: a report PostgreSQL refuses for good costs only its own attempt, an Error never
 * kills the writer, nobody waits on it forever, and its health shows.
 */
class CallEventWriterTest {
    private MutableClock clock;
    private Engine engine;
    private final AtomicReference<ScriptedProvider> provider = new AtomicReference<>();

    @BeforeEach
    void start() {
        clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        engine = new Engine(TestDatabase.freshDatabaseUrl(), clock, "node-w", recorder -> {
            provider.set(new ScriptedProvider(recorder));
            return Map.<Provider, TelephonyProvider>of(Provider.TWILIO, provider.get());
        });
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    /** A batch of {@code size} calls, dialed and accepted by the provider, waiting for their ends. */
    private String dialedBatch(WorkspaceId workspace, int size) {
        var agent = engine.agent(workspace, Optional.empty());
        var number = engine.number(workspace, Provider.TWILIO, "1000");
        var batch =
                engine.submit(workspace, agent, number, Optional.of(size), clock.instant(), Engine.calls(size, "{}"));
        assertThat(engine.dispatcher.dispatchOnce()).isEqualTo(size);
        engine.timers.runDue();
        return batch;
    }

    private List<AttemptRef> attempts(WorkspaceId workspace, String batch) {
        return engine
                .list("SELECT id FROM attempts WHERE batch_id = :b ORDER BY recipient_id", String.class, "b", batch)
                .stream()
                .map(id -> new AttemptRef(workspace, id))
                .toList();
    }

    @Test
    void
            a_report_the_database_refuses_for_good_ends_only_its_own_attempt_and_every_other_report_in_its_group_is_recorded()
                    throws Exception {
        var workspace = engine.workspace(50);
        var batch = dialedBatch(workspace, 10);
        var attempts = attempts(workspace, batch);
        // Fault injection: recipient r3 can never become completed, as a value PostgreSQL refuses would behave.
        engine.jdbi.useHandle(handle -> handle.execute("""
                CREATE FUNCTION refuse_r3() RETURNS trigger AS $$
                BEGIN
                    IF NEW.id = 'r3' AND NEW.status = 'completed' THEN
                        RAISE EXCEPTION 'injected: this row cannot be written';
                    END IF;
                    RETURN NEW;
                END $$ LANGUAGE plpgsql;
                CREATE TRIGGER refuse_r3 BEFORE UPDATE ON recipients FOR EACH ROW EXECUTE FUNCTION refuse_r3();"""));

        // Hold the batch row, which a group of ends locks to settle them, so that the writer waits and the ends
        // queue into one group.
        var lock = engine.jdbi.open();
        lock.begin();
        lock.execute("SELECT id FROM batches WHERE id = ? FOR NO KEY UPDATE", batch);
        var pool = Executors.newVirtualThreadPerTaskExecutor();
        var reporters = new ArrayList<java.util.concurrent.Future<?>>();
        for (var attempt : attempts) {
            reporters.add(pool.submit(() -> engine.recorder.ended(
                    attempt, new Outcome.Completed(), Optional.of("completed"), Optional.empty())));
        }
        Await.until(Duration.ofSeconds(10), "every end queued", () -> engine.recorder.depth() == 10);
        lock.rollback();
        lock.close();
        for (var reporter : reporters) {
            reporter.get();
        }
        pool.close();

        assertThat(engine.list(
                        "SELECT id || ':' || status || '/' || last_outcome FROM recipients"
                                + " WHERE batch_id = :b ORDER BY position",
                        String.class,
                        "b",
                        batch))
                .containsExactly(
                        "r0:completed/completed",
                        "r1:completed/completed",
                        "r2:completed/completed",
                        "r3:failed/interrupted",
                        "r4:completed/completed",
                        "r5:completed/completed",
                        "r6:completed/completed",
                        "r7:completed/completed",
                        "r8:completed/completed",
                        "r9:completed/completed");
        assertThat(engine.one(
                        "SELECT failure_reason FROM attempts WHERE recipient_id = 'r3' AND batch_id = :b",
                        String.class,
                        "b",
                        batch))
                .contains("could not be stored")
                .contains("P0001");
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
        assertThat(engine.one("SELECT total_finished FROM batches WHERE id = :b", Integer.class, "b", batch))
                .isEqualTo(10);
        assertThat(engine.one("SELECT in_flight FROM batches WHERE id = :b", Integer.class, "b", batch))
                .isZero();
        assertThat(engine.one(
                        "SELECT in_flight FROM workspaces_in_flight WHERE id = :w",
                        Integer.class,
                        "w",
                        workspace.value()))
                .isZero();
        assertThat(engine.recorder.healthy()).isTrue();
        assertThat(engine.recorder.depth()).isZero();
    }

    @Test
    void an_error_thrown_while_writing_a_group_leaves_the_writer_running_for_the_next_one() {
        var workspace = engine.workspace(50);
        var batch = dialedBatch(workspace, 2);
        var attempts = attempts(workspace, batch);
        var events = new AttemptLifecycle(engine.database, clock, io.batchcall.domain.IdSource.secure());
        var calls = new AtomicInteger();
        try (var recorder = new AttemptRecorder(
                group -> {
                    if (calls.incrementAndGet() == 1) {
                        throw new OutOfMemoryError("injected");
                    }
                    return events.apply(group);
                },
                engine.registry,
                new Wakeup(),
                new SimpleMeterRegistry(),
                Duration.ofSeconds(5),
                Duration.ofSeconds(60))) {
            recorder.ended(attempts.get(0), new Outcome.Busy(), Optional.empty(), Optional.empty());
            recorder.ended(attempts.get(1), new Outcome.Busy(), Optional.empty(), Optional.empty());

            assertThat(recorder.healthy()).isTrue();
            assertThat(engine.list(
                            "SELECT id || ':' || phase FROM attempts WHERE batch_id = :b" + " ORDER BY recipient_id",
                            String.class,
                            "b",
                            batch))
                    .containsExactly(
                            attempts.get(0).attemptId() + ":ringing",
                            attempts.get(1).attemptId() + ":ended");
        }
    }

    @Test
    void a_reporter_waits_a_bounded_time_and_its_report_is_still_recorded_once_the_database_lets_it() throws Exception {
        var workspace = engine.workspace(50);
        var batch = dialedBatch(workspace, 1);
        var attempt = attempts(workspace, batch).getFirst();
        var events = new AttemptLifecycle(engine.database, clock, io.batchcall.domain.IdSource.secure());
        try (var recorder = new AttemptRecorder(
                events::apply,
                engine.registry,
                new Wakeup(),
                new SimpleMeterRegistry(),
                Duration.ofMillis(300),
                Duration.ofMillis(500))) {
            var lock = engine.jdbi.open();
            lock.begin();
            // The attempt's row, which the writer must update to record the report: it waits for this lock.
            lock.execute("SELECT id FROM attempts WHERE id = ? FOR UPDATE", attempt.attemptId());

            long started = System.nanoTime();
            recorder.answered(attempt);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            assertThat(recorder.depth()).isEqualTo(1);
            Await.until(Duration.ofSeconds(10), "the stuck writer to show", () -> !recorder.healthy());

            lock.rollback();
            lock.close();
            Await.until(
                    Duration.ofSeconds(10),
                    "the report to be recorded",
                    () -> "answered"
                            .equals(engine.one(
                                    "SELECT phase FROM attempts WHERE id = :id",
                                    String.class,
                                    "id",
                                    attempt.attemptId())));
            Await.until(Duration.ofSeconds(10), "the writer to be healthy again", recorder::healthy);
        }
    }

    @Test
    void a_closed_writer_and_a_stopped_dispatch_loop_are_reported_unhealthy() {
        assertThat(engine.dispatcher.healthy()).isFalse();
        engine.dispatcher.start();
        assertThat(engine.dispatcher.healthy()).isTrue();
        engine.dispatcher.close();
        assertThat(engine.dispatcher.healthy()).isFalse();

        assertThat(engine.recorder.healthy()).isTrue();
        engine.recorder.close();
        Await.until(Duration.ofSeconds(5), "the writer thread to end", () -> !engine.recorder.healthy());
    }
}
