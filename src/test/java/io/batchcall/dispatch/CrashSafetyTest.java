package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.Outcome;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.support.Await;
import io.batchcall.support.MutableClock;
import io.batchcall.support.TestDatabase;
import io.batchcall.telephony.CallState;
import io.batchcall.telephony.PlaceResult;
import io.batchcall.telephony.TelephonyProvider;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Nodes that die, dial requests whose fate is unknown, providers that refuse: nothing lost, nothing re-dialed. */
class CrashSafetyTest {
    private static final String LONG_CALL = "{\"sim_outcome\":\"completed\",\"sim_ring_ms\":10,\"sim_talk_ms\":600000}";
    private static final String SHORT_CALL = "{\"sim_outcome\":\"completed\",\"sim_ring_ms\":10,\"sim_talk_ms\":10}";

    private String databaseUrl;
    private MutableClock clock;
    private Engine nodeA;
    private Engine nodeB;

    @BeforeEach
    void start() {
        databaseUrl = TestDatabase.freshDatabaseUrl();
        clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        nodeA = new Engine(databaseUrl, clock, "node-a", recorder -> Map.of());
    }

    @AfterEach
    void stop() {
        nodeA.close();
        if (nodeB != null) {
            nodeB.close();
        }
    }

    private int count(Engine engine, String sql, String batch) {
        return engine.one(sql, Integer.class, "b", batch);
    }

    @Test
    void calls_of_a_node_that_dies_end_as_interrupted_on_another_node_and_are_never_dialed_again() {
        var workspace = nodeA.workspace(20);
        var agent = nodeA.agent(workspace, Optional.empty());
        var number = nodeA.number(workspace, Provider.SIMULATOR, "1000");
        var batch = nodeA.submit(
                workspace,
                agent,
                number,
                Optional.of(3),
                clock.instant(),
                java.util.stream.Stream.concat(
                                Engine.calls(3, LONG_CALL).stream(), Engine.calls(4, SHORT_CALL).stream())
                        .toList());
        nodeA.dispatcher.dispatchOnce();
        nodeA.timers.advance(Duration.ofSeconds(1));
        // The simulator, as a carrier, goes on while its answers are stored: they are, shortly.
        Await.until(
                Duration.ofSeconds(10),
                "the three long calls to be recorded answered",
                () -> count(
                                nodeA,
                                "SELECT count(*) FROM recipients WHERE batch_id = :b AND status = 'in_progress'",
                                batch)
                        == 3);
        assertThat(count(
                        nodeA, "SELECT count(*) FROM recipients WHERE batch_id = :b AND status = 'in_progress'", batch))
                .isEqualTo(3);

        // Node A dies: it renews nothing and dials nothing more. Node B runs on the same database.
        nodeB = nodeA.secondNode("node-b");
        clock.advance(Engine.LEASE.plusSeconds(1));
        int recovered = nodeB.leases.recoverOnce();
        nodeB.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(recovered).isEqualTo(3);
        assertThat(nodeB.list(
                        "SELECT status || '/' || last_outcome FROM recipients WHERE batch_id = :b"
                                + " ORDER BY position",
                        String.class,
                        "b",
                        batch))
                .containsExactly(
                        "failed/interrupted",
                        "failed/interrupted",
                        "failed/interrupted",
                        "completed/completed",
                        "completed/completed",
                        "completed/completed",
                        "completed/completed");
        assertThat(count(nodeB, "SELECT max(attempt_count) FROM recipients WHERE batch_id = :b", batch))
                .isEqualTo(1);
        assertThat(count(nodeB, "SELECT count(*) FROM attempts WHERE batch_id = :b", batch))
                .isEqualTo(7);
        assertThat(nodeB.batchStatus(batch)).isEqualTo("completed");
        assertThat(count(nodeB, "SELECT total_finished FROM batches WHERE id = :b", batch))
                .isEqualTo(7);
        assertThat(count(nodeB, "SELECT total_dispatched FROM batches WHERE id = :b", batch))
                .isEqualTo(7);
        assertThat(nodeB.one(
                        "SELECT in_flight FROM workspaces_in_flight WHERE id = :w",
                        Integer.class,
                        "w",
                        workspace.value()))
                .isZero();
        assertThat(nodeB.one(
                        "SELECT failure_reason FROM attempts WHERE batch_id = :b AND outcome = 'interrupted'"
                                + " LIMIT 1",
                        String.class,
                        "b",
                        batch))
                .contains("node-a");
    }

    @Test
    void a_living_node_keeps_its_leases_by_heartbeat() {
        var workspace = nodeA.workspace(20);
        var agent = nodeA.agent(workspace, Optional.empty());
        var number = nodeA.number(workspace, Provider.SIMULATOR, "1000");
        nodeA.submit(workspace, agent, number, Optional.of(2), clock.instant(), Engine.calls(2, LONG_CALL));
        nodeA.dispatcher.dispatchOnce();
        nodeA.timers.runDue();
        nodeB = nodeA.secondNode("node-b");

        for (int beat = 0; beat < 5; beat++) {
            clock.advance(Engine.LEASE.dividedBy(3));
            assertThat(nodeA.leases.beatOnce()).isEqualTo(2);
            assertThat(nodeB.leases.recoverOnce()).isZero();
        }
    }

    private Engine withScripted(AtomicReference<ScriptedProvider> provider) {
        return new Engine(databaseUrl, clock, "node-s", recorder -> {
            provider.set(new ScriptedProvider(recorder));
            return Map.<Provider, TelephonyProvider>of(Provider.TWILIO, provider.get());
        });
    }

    private String twilioBatch(Engine engine, WorkspaceId workspace, int recipients) {
        var agent = engine.agent(workspace, Optional.empty());
        var number = engine.number(workspace, Provider.TWILIO, "1000");
        return engine.submit(workspace, agent, number, Optional.of(5), clock.instant(), Engine.calls(recipients, "{}"));
    }

    @Test
    void a_dial_whose_fate_is_unknown_is_asked_about_and_otherwise_ends_interrupted_without_a_second_dial() {
        var provider = new AtomicReference<ScriptedProvider>();
        nodeB = withScripted(provider);
        var workspace = nodeB.workspace(20);
        var batch = twilioBatch(nodeB, workspace, 1);
        provider.get().onPlace = new PlaceResult.Unknown("timeout after 10 s");

        nodeB.dispatcher.dispatchOnce();
        nodeB.timers.runDue();

        assertThat(provider.get().placed).hasSize(1);
        assertThat(provider.get().reconciled).hasSize(1);
        assertThat(nodeB.one(
                        "SELECT status || '/' || last_outcome FROM recipients WHERE batch_id = :b",
                        String.class,
                        "b",
                        batch))
                .isEqualTo("failed/interrupted");
        nodeB.runUntilIdle(Duration.ofSeconds(1), 10);
        assertThat(provider.get().placed).hasSize(1);
        assertThat(nodeB.batchStatus(batch)).isEqualTo("completed");
    }

    @Test
    void a_dial_whose_fate_was_unknown_but_the_provider_has_is_tracked_as_ringing() {
        var provider = new AtomicReference<ScriptedProvider>();
        nodeB = withScripted(provider);
        var workspace = nodeB.workspace(20);
        var batch = twilioBatch(nodeB, workspace, 1);
        provider.get().onPlace = new PlaceResult.Unknown("503 from the provider");
        provider.get().onReconcile = new CallState.Ringing("CA-found");

        nodeB.dispatcher.dispatchOnce();
        nodeB.timers.runDue();

        assertThat(nodeB.one("SELECT status FROM recipients WHERE batch_id = :b", String.class, "b", batch))
                .isEqualTo("initiated");
        assertThat(nodeB.one("SELECT provider_call_id FROM attempts WHERE batch_id = :b", String.class, "b", batch))
                .isEqualTo("CA-found");
        var attempt = nodeB.one("SELECT id FROM attempts WHERE batch_id = :b", String.class, "b", batch);
        provider.get()
                .events
                .ended(
                        new io.batchcall.domain.AttemptRef(workspace, attempt),
                        new Outcome.Busy(),
                        Optional.of("busy"),
                        Optional.of(486));
        assertThat(nodeB.one(
                        "SELECT status || '/' || last_outcome FROM recipients WHERE batch_id = :b",
                        String.class,
                        "b",
                        batch))
                .isEqualTo("failed/busy");
        assertThat(provider.get().placed).hasSize(1);
    }

    @Test
    void a_number_the_provider_refuses_fails_the_batch_with_its_reason() {
        var provider = new AtomicReference<ScriptedProvider>();
        nodeB = withScripted(provider);
        var workspace = nodeB.workspace(20);
        var batch = twilioBatch(nodeB, workspace, 12);
        provider.get().onPlace = new PlaceResult.Unusable("Twilio rejected the credentials (20003)");

        nodeB.runUntilIdle(Duration.ofSeconds(1), 20);

        assertThat(nodeB.batchStatus(batch)).isEqualTo("failed");
        assertThat(nodeB.one("SELECT failure_reason FROM batches WHERE id = :b", String.class, "b", batch))
                .isEqualTo("Twilio rejected the credentials (20003)");
        assertThat(provider.get().placed).hasSizeLessThanOrEqualTo(5);
        assertThat(nodeB.list("SELECT DISTINCT status FROM recipients WHERE batch_id = :b", String.class, "b", batch))
                .containsOnly("failed");
        assertThat(nodeB.one("SELECT total_finished FROM batches WHERE id = :b", Integer.class, "b", batch))
                .isEqualTo(12);
        assertThat(nodeB.one(
                        "SELECT in_flight FROM workspaces_in_flight WHERE id = :w",
                        Integer.class,
                        "w",
                        workspace.value()))
                .isZero();
    }

    @Test
    void a_call_claimed_but_not_yet_dialed_when_its_batch_is_cancelled_is_never_dialed() {
        var provider = new AtomicReference<ScriptedProvider>();
        nodeB = withScripted(provider);
        var workspace = nodeB.workspace(20);
        var batch = twilioBatch(nodeB, workspace, 2);
        nodeB.dispatcher.dispatchOnce();

        nodeB.batches.cancel(workspace, batch, Optional.empty());
        nodeB.dispatcher.batchStopped(workspace.value(), batch, false);
        nodeB.timers.advance(Duration.ofSeconds(1));

        assertThat(provider.get().placed).isEmpty();
        assertThat(nodeB.list("SELECT status FROM recipients WHERE batch_id = :b", String.class, "b", batch))
                .containsOnly("cancelled");
        assertThat(nodeB.batchStatus(batch)).isEqualTo("cancelled");
    }

    @Test
    void a_submit_racing_the_deletion_of_its_agent_is_refused_and_creates_nothing() {
        var workspace = nodeA.workspace(20);
        var agent = nodeA.agent(workspace, Optional.empty());
        var number = nodeA.number(workspace, Provider.SIMULATOR, "1000");
        // The delete lands between the submit's lookup and its transaction.
        nodeA.jdbi.useHandle(handle -> handle.execute("UPDATE agents SET deleted_at = now() WHERE id = ?", agent));

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> nodeA.submit(
                        workspace, agent, number, Optional.empty(), clock.instant(), Engine.calls(2, SHORT_CALL)))
                .isInstanceOfSatisfying(
                        io.batchcall.domain.StateConflict.class,
                        e -> assertThat(e.code()).isEqualTo("agent_deleted"));
        assertThat(nodeA.one(
                        "SELECT count(*) FROM batches WHERE workspace_id = :w", Integer.class, "w", workspace.value()))
                .isZero();
    }
}
