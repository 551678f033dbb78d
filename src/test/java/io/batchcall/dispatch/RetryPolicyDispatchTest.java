package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.BatchRules;
import io.batchcall.domain.NewBatch;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.Provider;
import io.batchcall.domain.RetryPolicy;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.support.TestDatabase;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Automatic retries by a batch's retry policy, with the simulator and a mutable clock. */
class RetryPolicyDispatchTest {
    private static final Duration BUSY_DELAY = Duration.ofMinutes(10);

    private Engine engine;
    private WorkspaceId workspace;
    private String agent;
    private String number;

    @BeforeEach
    void start() {
        engine = Engine.start(TestDatabase.freshDatabaseUrl());
        workspace = engine.workspace(20);
        agent = engine.agent(workspace, Optional.empty());
        number = engine.number(workspace, Provider.SIMULATOR, "1000");
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private String submit(RetryPolicy policy, int count, String outcomes) {
        var recipients = new ArrayList<NewRecipient>();
        for (int i = 0; i < count; i++) {
            recipients.add(new NewRecipient(
                    "r" + i,
                    Optional.of("+1415555%04d".formatted(i)),
                    Optional.empty(),
                    Optional.of("{\"dynamic_variables\":{\"sim_outcome\":\"" + outcomes
                            + "\",\"sim_ring_ms\":10,\"sim_talk_ms\":10}}")));
        }
        var batch = new NewBatch(
                "batch",
                agent,
                Optional.empty(),
                Optional.of(number),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                new TelephonyCallConfig(30, false, Optional.empty()),
                Optional.of(10),
                engine.clock.instant(),
                recipients,
                new BatchRules(Optional.of(policy.toJson()), Optional.empty(), Optional.empty()));
        var result = engine.batches.submit(workspace, batch, Optional.empty());
        return ((io.batchcall.store.Idempotent.Done<io.batchcall.domain.BatchSummary>) result)
                .value()
                .batch()
                .id();
    }

    private static RetryPolicy busyThreeTimes() {
        return new RetryPolicy(
                3,
                Set.of(RetryPolicy.Retried.BUSY),
                Map.of(RetryPolicy.Retried.BUSY, BUSY_DELAY),
                Optional.empty(),
                Optional.empty());
    }

    /** Runs the engine until its calls are over, then moves the clock on to the next retry, until the batch ends. */
    private void runToTheEnd(String batch) {
        for (int round = 0; round < 10 && !engine.batchStatus(batch).equals("completed"); round++) {
            engine.runUntilIdle(Duration.ofMillis(100), 1_000);
            engine.clock.advance(BUSY_DELAY);
        }
    }

    @Test
    void recipients_that_answer_busy_twice_then_complete_finish_with_three_attempts_spaced_by_the_policy() {
        var batch = submit(busyThreeTimes(), 3, "busy,busy,completed");

        runToTheEnd(batch);

        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
        assertThat(engine.list(
                        "SELECT status || '/' || attempt_count || '/' || coalesce(hold_reason, '-')"
                                + " FROM recipients WHERE batch_id = :b ORDER BY position",
                        String.class,
                        "b",
                        batch))
                .containsExactly("completed/3/-", "completed/3/-", "completed/3/-");
        for (var recipient : List.of("r0", "r1", "r2")) {
            var claims = engine.list(
                    "SELECT claimed_at FROM attempts WHERE batch_id = :b AND recipient_id = :r ORDER BY attempt_number",
                    OffsetDateTime.class,
                    "b",
                    batch,
                    "r",
                    recipient);
            assertThat(claims).hasSize(3);
            for (int i = 1; i < claims.size(); i++) {
                assertThat(Duration.between(claims.get(i - 1), claims.get(i))).isGreaterThanOrEqualTo(BUSY_DELAY);
            }
        }
        assertThat(engine.list(
                        "SELECT outcome FROM attempts WHERE batch_id = :b AND recipient_id = 'r0' ORDER BY attempt_number",
                        String.class,
                        "b",
                        batch))
                .containsExactly("busy", "busy", "completed");
        assertThat(engine.one("SELECT total_finished FROM batches WHERE id = :b", Integer.class, "b", batch))
                .isEqualTo(3);
        var conversations = new io.batchcall.store.ConversationStore(
                engine.database, engine.clock, io.batchcall.domain.IdSource.secure());
        var types = engine
                .list(
                        "SELECT a.conversation_id FROM attempts a WHERE a.batch_id = :b AND a.recipient_id = 'r0'"
                                + " ORDER BY a.attempt_number",
                        String.class,
                        "b",
                        batch)
                .stream()
                .map(id -> io.batchcall.wire.ConversationWire.conversation(
                                conversations.find(workspace, id).orElseThrow().conversation(), Optional.empty())
                        .at("/metadata/batch_call/campaign/conversation_type")
                        .asText("none"))
                .toList();
        assertThat(types).containsExactly("none", "retry", "retry");
        assertThat(engine.one(
                        "SELECT count(*) FROM events WHERE batch_id = :b AND type = 'recipient.retry_scheduled'",
                        Integer.class,
                        "b",
                        batch))
                .isEqualTo(6);
    }

    @Test
    void a_recipient_waiting_for_its_retry_is_pending_held_and_not_counted_finished() {
        var batch = submit(busyThreeTimes(), 1, "busy,completed");
        var start = engine.clock.instant();

        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(engine.one(
                        "SELECT status || '/' || hold_reason || '/' || last_outcome FROM recipients WHERE batch_id = :b",
                        String.class,
                        "b",
                        batch))
                .isEqualTo("pending/retry_backoff/busy");
        var next = engine.one(
                "SELECT next_attempt_at FROM recipients WHERE batch_id = :b", OffsetDateTime.class, "b", batch);
        assertThat(Duration.between(start, next.toInstant())).isGreaterThanOrEqualTo(BUSY_DELAY);
        assertThat(engine.batchStatus(batch)).isEqualTo("in_progress");
        assertThat(engine.one("SELECT total_finished FROM batches WHERE id = :b", Integer.class, "b", batch))
                .isZero();
        assertThat(engine.one("SELECT in_flight FROM batches WHERE id = :b", Integer.class, "b", batch))
                .isZero();
    }

    @Test
    void a_failure_that_cannot_succeed_later_is_not_retried_and_the_last_dial_ends_the_recipient() {
        var policy = new RetryPolicy(
                2,
                Set.of(RetryPolicy.Retried.BUSY, RetryPolicy.Retried.FAILED),
                Map.of(),
                Optional.empty(),
                Optional.empty());
        var failed = submit(policy, 1, "failed");
        var busy = submit(policy, 1, "busy");

        runToTheEnd(busy);

        assertThat(engine.one(
                        "SELECT status || '/' || attempt_count FROM recipients WHERE batch_id = :b",
                        String.class,
                        "b",
                        failed))
                .isEqualTo("failed/1");
        assertThat(engine.one(
                        "SELECT status || '/' || attempt_count FROM recipients WHERE batch_id = :b",
                        String.class,
                        "b",
                        busy))
                .isEqualTo("failed/2");
        assertThat(engine.batchStatus(failed)).isEqualTo("completed");
        assertThat(engine.batchStatus(busy)).isEqualTo("completed");
    }

    @Test
    void the_retry_event_shows_the_hold_and_a_manual_retry_still_dials_an_exhausted_recipient_again() {
        var policy = new RetryPolicy(
                2,
                Set.of(RetryPolicy.Retried.BUSY),
                Map.of(RetryPolicy.Retried.BUSY, BUSY_DELAY),
                Optional.empty(),
                Optional.empty());
        var batch = submit(policy, 1, "busy,busy,completed");
        runToTheEnd(batch);
        assertThat(engine.one(
                        "SELECT status || '/' || attempt_count FROM recipients WHERE batch_id = :b",
                        String.class,
                        "b",
                        batch))
                .isEqualTo("failed/2");
        var event = engine.one(
                "SELECT body::text FROM events WHERE batch_id = :b AND type = 'recipient.retry_scheduled'",
                String.class,
                "b",
                batch);
        assertThat(event)
                .contains("\"hold_reason\":\"retry_backoff\"")
                .contains("\"status\":\"pending\"")
                .containsPattern("\"next_attempt_at_unix\":\\d+")
                .contains("\"last_outcome\":\"busy\"");

        engine.batches.retry(workspace, batch, Optional.empty());
        runToTheEnd(batch);

        assertThat(engine.one(
                        "SELECT status || '/' || attempt_count FROM recipients WHERE batch_id = :b",
                        String.class,
                        "b",
                        batch))
                .isEqualTo("completed/3");
        assertThat(engine.one("SELECT retry_count FROM batches WHERE id = :b", Integer.class, "b", batch))
                .isEqualTo(1);
    }
}
