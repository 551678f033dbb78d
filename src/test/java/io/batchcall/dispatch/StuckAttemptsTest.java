package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.support.Await;
import io.batchcall.support.MutableClock;
import io.batchcall.support.TestDatabase;
import io.batchcall.telephony.PlaceResult;
import io.batchcall.telephony.TelephonyProvider;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * No attempt is left stuck by an exception, and a node that lost track of an attempt (its lease, a cancel) does
 * not dial it.
 */
class StuckAttemptsTest {
    private String databaseUrl;
    private MutableClock clock;
    private Engine nodeA;
    private Engine nodeB;
    private final AtomicReference<ScriptedProvider> providerA = new AtomicReference<>();
    private final AtomicReference<ScriptedProvider> providerB = new AtomicReference<>();

    @BeforeEach
    void start() {
        databaseUrl = TestDatabase.freshDatabaseUrl();
        clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        nodeA = node("node-a", providerA);
    }

    private Engine node(String name, AtomicReference<ScriptedProvider> provider) {
        return new Engine(databaseUrl, clock, name, recorder -> {
            provider.set(new ScriptedProvider(recorder));
            return Map.<Provider, TelephonyProvider>of(Provider.TWILIO, provider.get());
        });
    }

    @AfterEach
    void stop() {
        nodeA.close();
        if (nodeB != null) {
            nodeB.close();
        }
    }

    private String batch(WorkspaceId workspace, int size) {
        var agent = nodeA.agent(workspace, Optional.empty());
        var number = nodeA.number(workspace, Provider.TWILIO, "1000");
        return nodeA.submit(workspace, agent, number, Optional.of(size), clock.instant(), Engine.calls(size, "{}"));
    }

    private String recipients(String batch) {
        return String.join(
                ",",
                nodeA.list(
                        "SELECT status || '/' || coalesce(last_outcome, '-') FROM recipients"
                                + " WHERE batch_id = :b ORDER BY position",
                        String.class,
                        "b",
                        batch));
    }

    private int inFlight(WorkspaceId workspace) {
        return nodeA.one(
                "SELECT in_flight FROM workspaces_in_flight WHERE id = :w", Integer.class, "w", workspace.value());
    }

    @Test
    void a_provider_that_throws_on_dial_and_on_look_up_ends_the_attempt_interrupted_and_frees_its_slot() {
        var workspace = nodeA.workspace(20);
        var batch = batch(workspace, 2);
        providerA.get().placeFailure = new IllegalStateException("a bug in the provider client");
        providerA.get().reconcileFailure = new IllegalStateException("and another one");

        nodeA.dispatcher.dispatchOnce();
        nodeA.timers.advance(Duration.ofMillis(10)); // both paced dial slots

        assertThat(recipients(batch)).isEqualTo("failed/interrupted,failed/interrupted");
        assertThat(nodeA.list("SELECT failure_reason FROM attempts WHERE batch_id = :b", String.class, "b", batch))
                .allSatisfy(
                        reason -> assertThat(reason).contains("fate is unknown").contains("look-up failed"));
        assertThat(inFlight(workspace)).isZero();
        assertThat(nodeA.registry.size()).isZero();
        assertThat(nodeA.batchStatus(batch)).isEqualTo("completed");
    }

    @Test
    void credentials_that_cannot_be_decrypted_fail_the_batch_before_any_recipient_is_claimed() {
        var workspace = nodeA.workspace(20);
        var agent = nodeA.agentWithMediaStream(workspace);
        var number = nodeA.twilioNumber(workspace, "AC123", "secret-token", "10");
        var batch = nodeA.submit(workspace, agent, number, Optional.empty(), clock.instant(), Engine.calls(3, "{}"));
        // As if the secret key changed: what is stored no longer opens with this server's key.
        nodeA.jdbi.useHandle(handle -> handle.execute(
                "UPDATE phone_numbers SET credentials = decode(repeat('ab', 60), 'hex') WHERE id = ?", number));

        assertThat(nodeA.dispatcher.dispatchOnce()).isZero();
        nodeA.timers.runDue();

        assertThat(nodeA.batchStatus(batch)).isEqualTo("failed");
        assertThat(nodeA.one("SELECT failure_reason FROM batches WHERE id = :b", String.class, "b", batch))
                .contains("cannot be decrypted")
                .contains(number);
        assertThat(nodeA.one("SELECT count(*) FROM attempts WHERE batch_id = :b", Integer.class, "b", batch))
                .isZero();
        assertThat(providerA.get().placed).isEmpty();
        assertThat(inFlight(workspace)).isZero();
    }

    @Test
    void recovering_an_orphan_whose_provider_throws_ends_it_interrupted_instead_of_retrying_it_forever() {
        var workspace = nodeA.workspace(20);
        var batch = batch(workspace, 2);
        nodeA.dispatcher.dispatchOnce();
        nodeA.timers.advance(Duration.ofMillis(10)); // both paced dial slots
        assertThat(providerA.get().placed).hasSize(2);

        // Node A dies; node B's provider cannot be asked about the calls.
        nodeB = node("node-b", providerB);
        providerB.get().reconcileFailure = new IllegalStateException("provider look-up broke");
        clock.advance(Engine.LEASE.plusSeconds(1));
        assertThat(nodeB.leases.recoverOnce()).isEqualTo(2);

        assertThat(recipients(batch)).isEqualTo("failed/interrupted,failed/interrupted");
        assertThat(nodeA.list("SELECT failure_reason FROM attempts WHERE batch_id = :b", String.class, "b", batch))
                .allSatisfy(
                        reason -> assertThat(reason).contains("node-a stopped").contains("look-up failed"));
        assertThat(inFlight(workspace)).isZero();
        clock.advance(Engine.LEASE.plusSeconds(1));
        assertThat(nodeB.leases.recoverOnce()).isZero();
    }

    @Test
    void
            a_dial_that_never_returns_a_call_id_is_resolved_by_the_sweep_and_its_late_acceptance_hangs_the_call_up_and_is_recorded()
                    throws Exception {
        var workspace = nodeA.workspace(20);
        var batch = batch(workspace, 1);
        var held = new CountDownLatch(1);
        providerA.get().placeHeld = held;
        nodeA.dispatcher.dispatchOnce();
        var dialing = Thread.ofVirtual().start(nodeA.timers::runDue);
        Await.until(
                Duration.ofSeconds(10),
                "the dial request to go out",
                () -> providerA.get().placed.size() == 1);

        var sweep = new StaleCallSweep(nodeA.registry, nodeA.recorder, clock);
        clock.advance(Duration.ofSeconds(30).plus(StaleCallSweep.RING_GRACE).plusSeconds(1));
        assertThat(sweep.sweepOnce()).isEqualTo(1);
        assertThat(recipients(batch)).isEqualTo("failed/interrupted");
        assertThat(inFlight(workspace)).isZero();

        // The hung request returns after all: the attempt has ended, so its call is stopped and its outcome stays;
        // the call it placed is recorded on it (the operator can find it at the provider).
        held.countDown();
        dialing.join();
        assertThat(providerA.get().cancelled).containsExactly("CA-scripted");
        assertThat(recipients(batch)).isEqualTo("failed/interrupted");
        assertThat(nodeA.one(
                        "SELECT phase || '/' || outcome || '/' || provider_call_id FROM attempts WHERE batch_id = :b",
                        String.class,
                        "b",
                        batch))
                .isEqualTo("ended/interrupted/CA-scripted");
        assertThat(providerA.get().placed).hasSize(1);
    }

    @Test
    void a_node_that_could_not_renew_a_lease_does_not_dial_and_lets_the_node_that_took_it_over_decide() {
        var workspace = nodeA.workspace(20);
        var batch = batch(workspace, 1);
        nodeA.dispatcher.dispatchOnce();
        // The database is away for longer than the lease: no heartbeat renewed it before the dial was due.
        clock.advance(Engine.LEASE.plusSeconds(1));
        nodeA.timers.runDue();
        assertThat(providerA.get().placed).isEmpty();

        nodeB = node("node-b", providerB);
        assertThat(nodeB.leases.recoverOnce()).isEqualTo(1);
        assertThat(recipients(batch)).isEqualTo("failed/interrupted");

        // Node A reaches the database again: its heartbeat finds the attempt ended elsewhere, and it never dials.
        assertThat(nodeA.leases.beatOnce()).isZero();
        nodeA.timers.advance(Duration.ofSeconds(5));
        assertThat(providerA.get().placed).isEmpty();
        assertThat(providerB.get().placed).isEmpty();
        assertThat(nodeA.registry.size()).isZero();
        assertThat(inFlight(workspace)).isZero();
    }

    @Test
    void a_dial_delayed_by_an_unconfirmed_lease_goes_out_once_a_heartbeat_confirms_the_lease() {
        var workspace = nodeA.workspace(20);
        var batch = batch(workspace, 1);
        nodeA.dispatcher.dispatchOnce();
        clock.advance(Engine.LEASE.minusSeconds(1));
        nodeA.timers.runDue();
        assertThat(providerA.get().placed).isEmpty();

        assertThat(nodeA.leases.beatOnce()).isEqualTo(1);
        nodeA.timers.advance(Duration.ofSeconds(1));

        assertThat(providerA.get().placed).hasSize(1);
        assertThat(recipients(batch)).isEqualTo("initiated/-");
    }

    @Test
    void an_accepted_report_for_an_attempt_another_node_ended_records_only_the_call_id_and_the_call_is_hung_up()
            throws Exception {
        var workspace = nodeA.workspace(20);
        var batch = batch(workspace, 1);
        // Ended while the dial request is out: before the dial, the dial gate would see it ended and not dial.
        var held = new CountDownLatch(1);
        providerA.get().placeHeld = held;
        nodeA.dispatcher.dispatchOnce();
        var attempt = nodeA.registry.all().getFirst();
        var dialing = Thread.ofVirtual().start(nodeA.timers::runDue);
        Await.until(
                Duration.ofSeconds(10),
                "the dial request to go out",
                () -> providerA.get().placed.size() == 1);
        nodeA.jdbi.useHandle(
                handle -> handle.execute("""
                UPDATE attempts SET phase = 'ended', outcome = 'interrupted', ended_at = now(),
                    failure_reason = 'ended by another node', lease_expires_at = NULL WHERE id = ?""", attempt.claim.attempt().attemptId()));

        held.countDown();
        dialing.join();

        assertThat(providerA.get().placed).hasSize(1);
        assertThat(providerA.get().cancelled).containsExactly("CA-scripted");
        assertThat(nodeA.one(
                        "SELECT phase || '/' || outcome || '/' || coalesce(provider_call_id, '-')"
                                + " FROM attempts WHERE batch_id = :b",
                        String.class,
                        "b",
                        batch))
                .isEqualTo("ended/interrupted/CA-scripted");
        assertThat(nodeA.one("SELECT count(*) FROM conversations", Integer.class))
                .isZero();
    }

    @Test
    void a_dial_the_provider_deferred_is_counted_and_timed_once_when_it_is_finally_sent() {
        var workspace = nodeA.workspace(20);
        batch(workspace, 1);
        providerA.get().onPlace = new PlaceResult.Deferred(Duration.ofSeconds(1), "the account's request slot");
        nodeA.dispatcher.dispatchOnce();
        nodeA.timers.runDue();
        nodeA.timers.advance(Duration.ofSeconds(1));
        providerA.get().onPlace = new PlaceResult.Accepted("CA-scripted");
        nodeA.timers.advance(Duration.ofSeconds(1));

        assertThat(providerA.get().placed).as("asked three times, sent once").hasSize(3);
        assertThat(nodeA.meters.get("batchcall.dials").counter().count()).isEqualTo(1.0);
        assertThat(nodeA.meters.get("batchcall.dispatch.lag").timer().count()).isEqualTo(1);
    }

    @Test
    void a_cancel_this_node_did_not_hear_of_is_read_from_the_database_before_the_dial() {
        var workspace = nodeA.workspace(20);
        var batch = batch(workspace, 2);
        nodeA.dispatcher.dispatchOnce();
        // Cancelled while this node's notification listener was reconnecting: nothing told the registry.
        nodeA.batches.cancel(workspace, batch, Optional.empty());

        nodeA.timers.advance(Duration.ofMillis(10)); // both paced dial slots

        assertThat(providerA.get().placed).isEmpty();
        assertThat(recipients(batch)).isEqualTo("cancelled/cancelled,cancelled/cancelled");
        assertThat(inFlight(workspace)).isZero();
        assertThat(nodeA.batchStatus(batch)).isEqualTo("cancelled");
    }

    @Test
    void after_a_listener_break_the_dispatcher_catches_up_on_cancels_from_the_database() {
        var workspace = nodeA.workspace(20);
        var batch = batch(workspace, 1);
        nodeA.dispatcher.dispatchOnce();
        nodeA.timers.runDue();
        assertThat(providerA.get().placed).hasSize(1);
        nodeA.batches.cancel(workspace, batch, Optional.empty());

        nodeA.dispatcher.resynchronise();

        assertThat(providerA.get().cancelled).containsExactly("CA-scripted");
    }
}
