package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.IdSource;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.BatchOperations;
import io.batchcall.store.IdempotencyStore;
import io.batchcall.support.MutableClock;
import io.batchcall.support.TestDatabase;
import io.batchcall.telephony.TelephonyProvider;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cancelling a recipient whose call rings is kept on the recipient, not only sent to the node holding the call: a
 * node that did not hear it (its listener reconnecting, or a node that takes the call over after its own died)
 * still cancels the call, and the call's end schedules no retry. Engines have no listener, so every cancel here
 * is one the node missed.
 */
class RingingCancelTest {
    private static final String RETRY_NO_ANSWER =
            "{\"max_attempts\": 3, \"retry_on\": [\"no_answer\"], \"delay_seconds\": {\"no_answer\": 60}}";

    private String databaseUrl;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
    private final AtomicReference<ScriptedProvider> providerA = new AtomicReference<>();
    private final AtomicReference<ScriptedProvider> providerB = new AtomicReference<>();
    private Engine nodeA;
    private Engine nodeB;
    private BatchOperations operations;
    private WorkspaceId workspace;
    private String batch;

    @BeforeEach
    void oneRingingCall() {
        databaseUrl = TestDatabase.freshDatabaseUrl();
        nodeA = node("node-a", providerA);
        operations = new BatchOperations(
                nodeA.database, new IdempotencyStore(nodeA.database, clock), new IdSource(new Random(5)));
        workspace = nodeA.workspace(20);
        var agent = nodeA.agent(workspace, Optional.empty());
        var number = nodeA.number(workspace, Provider.TWILIO, "1000");
        batch = nodeA.submit(workspace, agent, number, Optional.empty(), clock.instant(), Engine.calls(1, "{}"));
        nodeA.jdbi.useHandle(
                handle -> handle.createUpdate("UPDATE batches SET retry_policy = CAST(:policy AS jsonb) WHERE id = :b")
                        .bind("policy", RETRY_NO_ANSWER)
                        .bind("b", batch)
                        .execute());
        nodeA.dispatcher.dispatchOnce();
        nodeA.timers.runDue();
        nodeA.settle();
        assertThat(providerA.get().placed).hasSize(1);
        assertThat(recipientStatus()).isEqualTo("initiated");
    }

    @AfterEach
    void stop() {
        nodeA.close();
        if (nodeB != null) {
            nodeB.close();
        }
    }

    @Test
    void a_node_whose_listener_was_away_cancels_the_ringing_call_when_it_reads_up_on_what_it_missed() {
        operations.cancelRecipient(workspace, batch, "r0", Optional.empty());
        assertThat(providerA.get().cancelled).as("nothing heard yet").isEmpty();

        nodeA.dispatcher.resynchronise();

        assertThat(providerA.get().cancelled).containsExactly("CA-scripted");
    }

    @Test
    void a_node_that_takes_over_a_ringing_call_whose_recipient_was_cancelled_cancels_it() {
        operations.cancelRecipient(workspace, batch, "r0", Optional.empty());
        // Node A dies before it hears of the cancel; node B finds the call still ringing at the provider.
        nodeB = node("node-b", providerB);
        providerB.get().onReconcile = new io.batchcall.telephony.CallState.Ringing("CA-scripted");
        clock.advance(Engine.LEASE.plusSeconds(1));

        assertThat(nodeB.leases.recoverOnce()).isEqualTo(1);

        assertThat(providerB.get().cancelled).containsExactly("CA-scripted");
        assertThat(providerA.get().cancelled).isEmpty();
    }

    @Test
    void a_recipient_cancelled_while_its_call_rang_is_not_retried_when_the_call_goes_unanswered() {
        operations.cancelRecipient(workspace, batch, "r0", Optional.empty());

        // The cancel did not reach the carrier in time: the call rings out.
        var attempt = nodeA.registry.all().getFirst().claim.attempt();
        nodeA.recorder.ended(attempt, new Outcome.NoAnswer(), Optional.of("no-answer"), Optional.empty(), true);
        nodeA.settle();
        nodeA.runUntilIdle(Duration.ofSeconds(30), 20);

        assertThat(recipientStatus()).isNotEqualTo("pending");
        assertThat(nodeA.one("SELECT count(*) FROM attempts WHERE batch_id = :b", Integer.class, "b", batch))
                .as("dialed once")
                .isEqualTo(1);
        assertThat(providerA.get().placed).hasSize(1);
        assertThat(nodeA.batchStatus(batch)).isEqualTo("completed");
    }

    @Test
    void without_a_cancel_the_same_unanswered_call_is_retried_as_its_policy_says() {
        var attempt = nodeA.registry.all().getFirst().claim.attempt();
        nodeA.recorder.ended(attempt, new Outcome.NoAnswer(), Optional.of("no-answer"), Optional.empty(), true);
        nodeA.settle();

        assertThat(recipientStatus()).isEqualTo("pending");
    }

    private Engine node(String name, AtomicReference<ScriptedProvider> provider) {
        return new Engine(databaseUrl, clock, name, recorder -> {
            provider.set(new ScriptedProvider(recorder));
            return Map.<Provider, TelephonyProvider>of(Provider.TWILIO, provider.get());
        });
    }

    private String recipientStatus() {
        return nodeA.one("SELECT status FROM recipients WHERE batch_id = :b", String.class, "b", batch);
    }
}
