package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.support.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dispatcher driven one pass at a time, on a mutable clock, against the simulator and a real database. */
class DispatcherTest {
    private static final String TALK = "{\"sim_outcome\":\"completed\",\"sim_ring_ms\":100,\"sim_talk_ms\":1000}";

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

    private String submit(Optional<Integer> target, List<String> variables) {
        return engine.submit(workspace, agent, number, target, engine.clock.instant(), variables);
    }

    private int inFlight(String table, String id) {
        return engine.one(
                "SELECT in_flight FROM " + io.batchcall.support.InFlightCounts.of(table) + " WHERE id = :id",
                Integer.class,
                "id",
                id);
    }

    @Test
    void a_batch_runs_to_completion_and_its_counters_match_its_recipients() {
        var batch = submit(Optional.of(3), Engine.calls(10, TALK));

        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
        assertThat(engine.one(
                        "SELECT total_calls FROM (SELECT total_scheduled + total_dispatched + total_finished"
                                + " AS total_calls FROM batches WHERE id = :id) t",
                        Integer.class,
                        "id",
                        batch))
                .isEqualTo(30);
        assertThat(engine.list("SELECT status FROM recipients WHERE batch_id = :b", String.class, "b", batch))
                .hasSize(10)
                .containsOnly("completed");
        assertThat(engine.one(
                        "SELECT count(*) FROM attempts WHERE batch_id = :b AND phase = 'ended'"
                                + " AND outcome = 'completed'",
                        Integer.class,
                        "b",
                        batch))
                .isEqualTo(10);
        assertThat(engine.one(
                        "SELECT count(*) FROM conversations WHERE batch_id = :b AND status = 'done'",
                        Integer.class,
                        "b",
                        batch))
                .isEqualTo(10);
        assertThat(inFlight("batches", batch)).isZero();
        assertThat(inFlight("agents", agent)).isZero();
        assertThat(inFlight("workspaces", workspace.value())).isZero();
    }

    @Test
    void calls_in_flight_never_exceed_the_batch_limit_and_freed_slots_are_refilled() {
        var batch = submit(Optional.of(3), Engine.calls(10, TALK));
        int most = 0;
        for (int step = 0; step < 200 && !engine.batchStatus(batch).equals("completed"); step++) {
            engine.dispatcher.dispatchOnce();
            engine.timers.runDue();
            most = Math.max(most, inFlight("batches", batch));
            assertThat(engine.registry.size()).isLessThanOrEqualTo(3);
            engine.timers.advance(Duration.ofMillis(50));
        }

        assertThat(most).isEqualTo(3);
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
    }

    @Test
    void without_a_target_a_batch_gets_the_smaller_of_half_the_workspace_and_70_percent_of_the_agent() {
        var limitedAgent = engine.agent(workspace, Optional.of(4));
        var batch = engine.submit(
                workspace, limitedAgent, number, Optional.empty(), engine.clock.instant(), Engine.calls(10, TALK));
        var open = submit(Optional.empty(), Engine.calls(20, TALK));

        engine.dispatcher.dispatchOnce();

        assertThat(inFlight("batches", batch)).isEqualTo(2);
        assertThat(inFlight("batches", open)).isEqualTo(10);
    }

    @Test
    void the_agent_and_workspace_limits_hold_across_batches() {
        var small = engine.workspace(5);
        var agentA = engine.agent(small, Optional.of(2));
        var agentB = engine.agent(small, Optional.empty());
        var numberId = engine.number(small, Provider.SIMULATOR, "1000");
        var a1 =
                engine.submit(small, agentA, numberId, Optional.of(10), engine.clock.instant(), Engine.calls(10, TALK));
        var a2 =
                engine.submit(small, agentA, numberId, Optional.of(10), engine.clock.instant(), Engine.calls(10, TALK));
        var b1 =
                engine.submit(small, agentB, numberId, Optional.of(10), engine.clock.instant(), Engine.calls(10, TALK));

        engine.dispatcher.dispatchOnce();
        engine.dispatcher.dispatchOnce();

        assertThat(inFlight("agents", agentA)).isEqualTo(2);
        assertThat(inFlight("batches", a1) + inFlight("batches", a2)).isEqualTo(2);
        assertThat(inFlight("batches", b1)).isEqualTo(3);
        assertThat(inFlight("workspaces", small.value())).isEqualTo(5);
    }

    @Test
    void batches_competing_for_one_workspace_all_progress() {
        var tight = engine.workspace(2);
        var agentId = engine.agent(tight, Optional.empty());
        var numberId = engine.number(tight, Provider.SIMULATOR, "1000");
        var first =
                engine.submit(tight, agentId, numberId, Optional.of(10), engine.clock.instant(), Engine.calls(6, TALK));
        var second =
                engine.submit(tight, agentId, numberId, Optional.of(10), engine.clock.instant(), Engine.calls(6, TALK));

        engine.dispatcher.dispatchOnce();

        assertThat(inFlight("batches", first)).isEqualTo(1);
        assertThat(inFlight("batches", second)).isEqualTo(1);
        engine.runUntilIdle(Duration.ofMillis(100), 2_000);
        assertThat(engine.batchStatus(first)).isEqualTo("completed");
        assertThat(engine.batchStatus(second)).isEqualTo("completed");
    }

    @Test
    void a_scheduled_batch_starts_when_it_is_due_and_not_before() {
        var later = engine.clock.instant().plusSeconds(3600);
        var batch = engine.submit(workspace, agent, number, Optional.of(2), later, Engine.calls(2, TALK));

        assertThat(engine.dispatcher.dispatchOnce()).isZero();
        engine.clock.advance(Duration.ofSeconds(3599));
        assertThat(engine.dispatcher.dispatchOnce()).isZero();
        engine.clock.advance(Duration.ofSeconds(1));

        assertThat(engine.dispatcher.dispatchOnce()).isEqualTo(2);
        assertThat(engine.batchStatus(batch)).isEqualTo("in_progress");
    }

    @Test
    void dials_on_a_number_are_paced_by_its_calls_per_second_even_with_free_capacity() {
        var slow = engine.number(workspace, Provider.SIMULATOR, "2");
        var batch = engine.submit(
                workspace,
                agent,
                slow,
                Optional.of(10),
                engine.clock.instant(),
                Engine.calls(6, "{\"sim_outcome\":\"busy\",\"sim_ring_ms\":10}"));

        engine.runUntilIdle(Duration.ofMillis(50), 1_000);

        var dials = engine.list(
                "SELECT dialed_at FROM attempts WHERE batch_id = :b ORDER BY dialed_at",
                java.time.OffsetDateTime.class,
                "b",
                batch);
        assertThat(dials).hasSize(6);
        for (int i = 1; i < dials.size(); i++) {
            assertThat(Duration.between(dials.get(i - 1), dials.get(i))).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        }
    }

    @Test
    void each_simulated_outcome_leaves_the_status_and_last_outcome_users_expect() {
        var batch = submit(
                Optional.of(10),
                List.of(
                        "{\"sim_outcome\":\"completed\",\"sim_ring_ms\":10,\"sim_talk_ms\":10}",
                        "{\"sim_outcome\":\"busy\",\"sim_ring_ms\":10}",
                        "{\"sim_outcome\":\"no_answer\",\"sim_ring_ms\":10}",
                        "{\"sim_outcome\":\"voicemail\",\"sim_ring_ms\":10,\"sim_talk_ms\":10}",
                        "{\"sim_outcome\":\"failed\",\"sim_ring_ms\":10}",
                        "{\"sim_outcome\":\"completed\",\"sim_ring_ms\":60000}"));

        engine.runUntilIdle(Duration.ofSeconds(1), 1_000);

        assertThat(engine.list(
                        "SELECT status || '/' || last_outcome FROM recipients WHERE batch_id = :b"
                                + " ORDER BY position",
                        String.class,
                        "b",
                        batch))
                .containsExactly(
                        "completed/completed",
                        "failed/busy",
                        "failed/no_answer",
                        "voicemail/voicemail",
                        "failed/failed",
                        "failed/no_answer");
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
        assertThat(engine.one("SELECT total_finished FROM batches WHERE id = :b", Integer.class, "b", batch))
                .isEqualTo(6);
    }

    @Test
    void cancelling_a_running_batch_cancels_ringing_calls_and_lets_answered_calls_finish() {
        var batch = submit(
                Optional.of(2),
                List.of(
                        "{\"sim_outcome\":\"completed\",\"sim_ring_ms\":10,\"sim_talk_ms\":5000}",
                        "{\"sim_outcome\":\"completed\",\"sim_ring_ms\":20000}",
                        "{\"sim_outcome\":\"completed\"}"));
        engine.dispatcher.dispatchOnce();
        engine.timers.advance(Duration.ofMillis(100));

        engine.batches.cancel(workspace, batch, Optional.empty());
        engine.dispatcher.batchStopped(workspace.value(), batch, false);
        engine.runUntilIdle(Duration.ofSeconds(1), 100);

        assertThat(engine.list(
                        "SELECT status FROM recipients WHERE batch_id = :b ORDER BY position",
                        String.class,
                        "b",
                        batch))
                .containsExactly("completed", "cancelled", "cancelled");
        assertThat(engine.batchStatus(batch)).isEqualTo("cancelled");
        assertThat(engine.one("SELECT total_finished FROM batches WHERE id = :b", Integer.class, "b", batch))
                .isEqualTo(3);
        assertThat(inFlight("workspaces", workspace.value())).isZero();
    }

    @Test
    void duplicate_late_and_out_of_order_events_change_nothing() {
        var batch = submit(Optional.of(1), Engine.calls(1, "{\"sim_outcome\":\"busy\",\"sim_ring_ms\":10}"));
        engine.runUntilIdle(Duration.ofMillis(100), 100);
        var attemptId = engine.one("SELECT id FROM attempts WHERE batch_id = :b", String.class, "b", batch);
        var ref = new io.batchcall.domain.AttemptRef(workspace, attemptId);
        var before = engine.one(
                "SELECT row_to_json(b)::text FROM (SELECT status, total_finished, in_flight"
                        + " FROM batches WHERE id = :b) b",
                String.class,
                "b",
                batch);

        engine.recorder.answered(ref);
        engine.recorder.ringing(ref);
        engine.recorder.ended(ref, new io.batchcall.domain.Outcome.Completed(), Optional.empty(), Optional.empty());

        assertThat(engine.one(
                        "SELECT status || '/' || last_outcome FROM recipients WHERE batch_id = :b",
                        String.class,
                        "b",
                        batch))
                .isEqualTo("failed/busy");
        assertThat(engine.one(
                        "SELECT row_to_json(b)::text FROM (SELECT status, total_finished, in_flight"
                                + " FROM batches WHERE id = :b) b",
                        String.class,
                        "b",
                        batch))
                .isEqualTo(before);
        assertThat(inFlight("workspaces", workspace.value())).isZero();
    }

    @Test
    void retry_dials_failed_recipients_again_as_their_second_attempt() {
        var batch = submit(
                Optional.of(5),
                List.of(
                        "{\"sim_outcome\":\"busy\",\"sim_ring_ms\":10}",
                        "{\"sim_outcome\":\"completed\",\"sim_ring_ms\":10,\"sim_talk_ms\":10}"));
        engine.runUntilIdle(Duration.ofMillis(100), 100);

        engine.batches.retry(workspace, batch, Optional.empty());
        engine.runUntilIdle(Duration.ofMillis(100), 100);

        assertThat(engine.list(
                        "SELECT recipient_id || '#' || attempt_number FROM attempts WHERE batch_id = :b"
                                + " ORDER BY claimed_at, recipient_id",
                        String.class,
                        "b",
                        batch))
                .containsExactly("r0#1", "r1#1", "r0#2");
        assertThat(engine.one(
                        "SELECT attempt_count FROM recipients WHERE batch_id = :b AND id = 'r0'",
                        Integer.class,
                        "b",
                        batch))
                .isEqualTo(2);
        assertThat(engine.one("SELECT total_dispatched FROM batches WHERE id = :b", Integer.class, "b", batch))
                .isEqualTo(2);
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
    }

    @Test
    void deleting_a_running_batch_frees_its_capacity_at_once() {
        var batch = submit(Optional.of(4), Engine.calls(4, "{\"sim_ring_ms\":60000}"));
        engine.dispatcher.dispatchOnce();
        assertThat(inFlight("workspaces", workspace.value())).isEqualTo(4);

        engine.batches.delete(workspace, batch);
        engine.dispatcher.batchStopped(workspace.value(), batch, true);
        engine.timers.runDue();

        assertThat(inFlight("workspaces", workspace.value())).isZero();
        assertThat(inFlight("agents", agent)).isZero();
        engine.timers.advance(Duration.ofMinutes(2));
        assertThat(engine.registry.size()).isZero();
        assertThat(inFlight("workspaces", workspace.value())).isZero();
    }

    @Test
    void a_batch_on_a_number_whose_provider_this_server_lacks_fails_with_a_reason() {
        var twilio = engine.number(workspace, Provider.TWILIO, "1");
        var batch = engine.submit(
                workspace, agent, twilio, Optional.empty(), engine.clock.instant(), Engine.calls(3, TALK));

        engine.dispatcher.dispatchOnce();

        assertThat(engine.batchStatus(batch)).isEqualTo("failed");
        assertThat(engine.one("SELECT failure_reason FROM batches WHERE id = :b", String.class, "b", batch))
                .contains("twilio");
        assertThat(engine.list("SELECT status FROM recipients WHERE batch_id = :b", String.class, "b", batch))
                .containsOnly("failed");
        assertThat(engine.one("SELECT total_finished FROM batches WHERE id = :b", Integer.class, "b", batch))
                .isEqualTo(3);
    }
}
