package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.IdSource;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.BatchOperations;
import io.batchcall.store.IdempotencyStore;
import io.batchcall.support.TestDatabase;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pause, resume, the workspace's emergency stop and one recipient's cancel, as the dispatcher sees them. */
class OperateDispatchTest {
    private static final String TALK = "{\"sim_outcome\":\"completed\",\"sim_ring_ms\":100,\"sim_talk_ms\":500}";

    private Engine engine;
    private BatchOperations operations;
    private WorkspaceId workspace;
    private String agent;
    private String number;

    @BeforeEach
    void start() {
        engine = Engine.start(TestDatabase.freshDatabaseUrl());
        operations = new BatchOperations(
                engine.database, new IdempotencyStore(engine.database, engine.clock), new IdSource(new Random(3)));
        workspace = engine.workspace(20);
        agent = engine.agent(workspace, Optional.empty());
        number = engine.number(workspace, Provider.SIMULATOR, "1000");
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private String submit(int calls) {
        return engine.submit(
                workspace, agent, number, Optional.of(5), engine.clock.instant(), Engine.calls(calls, TALK));
    }

    private int count(String sql, String batch) {
        return engine.one(sql, Integer.class, "b", batch);
    }

    @Test
    void claims_of_a_batch_paused_before_their_dial_are_given_back_and_dialed_once_after_the_resume() {
        var batch = submit(8);
        assertThat(engine.dispatcher.dispatchOnce()).isEqualTo(5);

        operations.pause(workspace, batch, Optional.empty());
        engine.runUntilIdle(Duration.ofMillis(100), 200);

        assertThat(count("SELECT count(*) FROM attempts WHERE batch_id = :b", batch))
                .isZero();
        assertThat(count(
                        "SELECT count(*) FROM recipients WHERE batch_id = :b AND status = 'pending'"
                                + " AND attempt_count = 0",
                        batch))
                .isEqualTo(8);
        assertThat(count("SELECT in_flight + total_dispatched FROM batches WHERE id = :b", batch))
                .isZero();
        assertThat(engine.one(
                        "SELECT in_flight FROM workspaces_in_flight WHERE id = :w",
                        Integer.class,
                        "w",
                        workspace.value()))
                .isZero();
        assertThat(engine.batchStatus(batch)).isEqualTo("in_progress");

        operations.resume(workspace, batch, Optional.empty());
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
        assertThat(count("SELECT count(*) FROM attempts WHERE batch_id = :b AND dialed_at IS NOT NULL", batch))
                .isEqualTo(8);
        assertThat(count("SELECT count(DISTINCT recipient_id) FROM attempts WHERE batch_id = :b", batch))
                .isEqualTo(8);
        assertThat(count("SELECT total_dispatched FROM batches WHERE id = :b", batch))
                .isEqualTo(8);
    }

    @Test
    void calls_in_progress_when_a_batch_is_paused_finish_and_nothing_new_is_dialed() {
        var batch = submit(8);
        engine.dispatcher.dispatchOnce();
        engine.timers.advance(Duration.ofMillis(10)); // every paced dial slot of the claim
        int dialed = count("SELECT count(*) FROM attempts WHERE batch_id = :b AND dialed_at IS NOT NULL", batch);

        operations.pause(workspace, batch, Optional.empty());
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(dialed).isEqualTo(5);
        assertThat(count("SELECT count(*) FROM attempts WHERE batch_id = :b AND outcome = 'completed'", batch))
                .isEqualTo(5);
        assertThat(count("SELECT count(*) FROM attempts WHERE batch_id = :b", batch))
                .isEqualTo(5);
        assertThat(engine.batchStatus(batch)).isEqualTo("in_progress");
    }

    @Test
    void the_workspace_emergency_stop_holds_every_batch_until_it_is_lifted() {
        var first = submit(3);
        var second = submit(3);

        engine.workspaces.setDispatchPaused(workspace, true);
        engine.runUntilIdle(Duration.ofMillis(100), 100);

        assertThat(count("SELECT count(*) FROM attempts WHERE batch_id = :b", first)
                        + count("SELECT count(*) FROM attempts WHERE batch_id = :b", second))
                .isZero();

        engine.workspaces.setDispatchPaused(workspace, false);
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(engine.batchStatus(first)).isEqualTo("completed");
        assertThat(engine.batchStatus(second)).isEqualTo("completed");
    }

    @Test
    void a_cancelled_recipient_is_never_dialed_and_its_batch_still_completes() {
        var batch = submit(4);

        operations.cancelRecipient(workspace, batch, "r2", Optional.empty());
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
        assertThat(engine.list(
                        "SELECT recipient_id FROM attempts WHERE batch_id = :b ORDER BY recipient_id",
                        String.class,
                        "b",
                        batch))
                .containsExactly("r0", "r1", "r3");
        assertThat(count("SELECT total_finished FROM batches WHERE id = :b", batch))
                .isEqualTo(4);
    }

    @Test
    void a_recipient_cancelled_while_its_dial_request_is_out_has_its_call_cancelled_once_the_provider_takes_it()
            throws Exception {
        var provider = new java.util.concurrent.atomic.AtomicReference<ScriptedProvider>();
        try (var node = new Engine(TestDatabase.freshDatabaseUrl(), engine.clock, "node-s", recorder -> {
            provider.set(new ScriptedProvider(recorder));
            return java.util.Map.<Provider, io.batchcall.telephony.TelephonyProvider>of(
                    Provider.TWILIO, provider.get());
        })) {
            var scriptedOps = new BatchOperations(
                    node.database, new IdempotencyStore(node.database, node.clock), new IdSource(new Random(5)));
            var ws = node.workspace(20);
            var batch = node.submit(
                    ws,
                    node.agent(ws, Optional.empty()),
                    node.number(ws, Provider.TWILIO, "1000"),
                    Optional.empty(),
                    node.clock.instant(),
                    Engine.calls(1, "{}"));
            var held = new java.util.concurrent.CountDownLatch(1);
            provider.get().placeHeld = held;
            node.dispatcher.dispatchOnce();
            var dialing = Thread.ofVirtual().start(node.timers::runDue);
            io.batchcall.support.Await.until(
                    Duration.ofSeconds(10),
                    "the dial request to go out",
                    () -> provider.get().placed.size() == 1);

            scriptedOps.cancelRecipient(ws, batch, "r0", Optional.empty());
            // What the CANCEL_RECIPIENT notification makes every node do (an engine has no listener).
            node.dispatcher.recipientStopped(ws.value(), batch, "r0");
            held.countDown();
            dialing.join();

            assertThat(provider.get().cancelled).containsExactly("CA-scripted");
            assertThat(node.one("SELECT status FROM recipients WHERE batch_id = :b", String.class, "b", batch))
                    .isEqualTo("cancelled");
            assertThat(node.one("SELECT total_finished FROM batches WHERE id = :b", Integer.class, "b", batch))
                    .isEqualTo(1);
        }
    }

    @Test
    void a_recipient_cancelled_between_its_claim_and_its_dial_is_not_dialed() {
        var batch = submit(2);
        engine.dispatcher.dispatchOnce();

        operations.cancelRecipient(workspace, batch, "r1", Optional.empty());
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
        assertThat(engine.one(
                        "SELECT dialed_at IS NULL FROM attempts WHERE batch_id = :b AND recipient_id = 'r1'",
                        Boolean.class,
                        "b",
                        batch))
                .isTrue();
        assertThat(engine.one(
                        "SELECT status FROM recipients WHERE batch_id = :b AND id = 'r1'", String.class, "b", batch))
                .isEqualTo("cancelled");
        assertThat(count("SELECT total_finished FROM batches WHERE id = :b", batch))
                .isEqualTo(2);
        assertThat(count("SELECT in_flight FROM batches WHERE id = :b", batch)).isZero();
    }
}
