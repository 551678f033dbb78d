package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.IdSource;
import io.batchcall.domain.NewBatch;
import io.batchcall.domain.NewRecipient;
import io.batchcall.domain.Provider;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.SingleCallStore;
import io.batchcall.store.SingleCallStore.Placement;
import io.batchcall.store.SingleCallStore.Progress;
import io.batchcall.support.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Single outbound calls on the engine: a hidden one-recipient batch is claimed, paced and recorded by the same
 * dispatcher as any batch, whichever node claims it and whether or not its request still waits; the limits it is
 * checked against count the single calls not claimed yet.
 */
class SingleCallDispatchTest {
    private Engine engine;
    private SingleCallStore singleCalls;

    @BeforeEach
    void start() {
        engine = Engine.start(TestDatabase.freshDatabaseUrl());
        singleCalls = new SingleCallStore(engine.database, engine.clock, new IdSource(new Random(11)));
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private Placement place(WorkspaceId workspace, String agent, String number, String to) {
        return singleCalls.place(
                workspace,
                new NewBatch(
                        "Single outbound call",
                        agent,
                        Optional.empty(),
                        Optional.of(number),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        new TelephonyCallConfig(30, false, Optional.empty()),
                        Optional.of(1),
                        engine.clock.instant(),
                        List.of(new NewRecipient("r0", Optional.of(to), Optional.empty(), Optional.empty()))));
    }

    private static String queued(Placement placement) {
        assertThat(placement).isInstanceOf(Placement.Queued.class);
        return ((Placement.Queued) placement).batchId();
    }

    @Test
    void a_single_call_whose_request_died_is_claimed_by_another_node_and_dialed_exactly_once() {
        var workspace = engine.workspace(20);
        var agent = engine.agent(workspace, Optional.empty());
        var number = engine.number(workspace, Provider.SIMULATOR, "1000");
        // The request's node stored the call and died before any dispatcher of its own claimed it.
        var batch = queued(place(workspace, agent, number, "+14155550001"));
        assertThat(singleCalls.progress(workspace, batch)).isInstanceOf(Progress.Waiting.class);

        try (var other = engine.secondNode("node-b")) {
            other.runUntilIdle(Duration.ofMillis(100), 200);
        }

        assertThat(engine.one("SELECT count(*) FROM attempts WHERE batch_id = :b", Integer.class, "b", batch))
                .isEqualTo(1);
        assertThat(engine.one("SELECT node_id FROM attempts WHERE batch_id = :b", String.class, "b", batch))
                .isEqualTo("node-b");
        var progress = singleCalls.progress(workspace, batch);
        assertThat(progress).isInstanceOf(Progress.Placed.class);
        assertThat(((Progress.Placed) progress).providerCallId()).startsWith("sim_");
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
    }

    @Test
    void the_registry_tells_a_waiting_request_as_soon_as_its_call_is_accepted() {
        var workspace = engine.workspace(20);
        var agent = engine.agent(workspace, Optional.empty());
        var number = engine.number(workspace, Provider.SIMULATOR, "1000");
        var batch = queued(place(workspace, agent, number, "+14155550002"));
        var change = engine.registry.nextChange(workspace.value(), batch);

        engine.dispatcher.dispatchOnce();
        engine.timers.runDue();

        assertThat(change).isDone();
        assertThat(singleCalls.progress(workspace, batch)).isInstanceOf(Progress.Placed.class);
    }

    @Test
    void single_calls_not_claimed_yet_count_against_the_workspace_limit() {
        var workspace = engine.workspace(1);
        var agent = engine.agent(workspace, Optional.empty());
        var number = engine.number(workspace, Provider.SIMULATOR, "1000");
        queued(place(workspace, agent, number, "+14155550003"));

        var second = place(workspace, agent, number, "+14155550004");

        assertThat(second).isInstanceOf(Placement.LimitsFull.class);
        assertThat(((Placement.LimitsFull) second).message())
                .contains("workspace's concurrency limit", "1 single calls about to be placed", "of 1 allowed");
        assertThat(engine.one(
                        "SELECT count(*) FROM batches WHERE workspace_id = :w", Integer.class, "w", workspace.value()))
                .isEqualTo(1);
    }

    @Test
    void an_agent_at_its_own_limit_refuses_a_single_call_while_other_agents_still_call() {
        var workspace = engine.workspace(20);
        var limited = engine.agent(workspace, Optional.of(1));
        var free = engine.agent(workspace, Optional.empty());
        var number = engine.number(workspace, Provider.SIMULATOR, "1000");
        queued(place(workspace, limited, number, "+14155550005"));

        var refused = place(workspace, limited, number, "+14155550006");
        var other = place(workspace, free, number, "+14155550007");

        assertThat(refused).isInstanceOf(Placement.LimitsFull.class);
        assertThat(((Placement.LimitsFull) refused).message()).contains("agent's concurrency limit");
        assertThat(other).isInstanceOf(Placement.Queued.class);
    }
}
