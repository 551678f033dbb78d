package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.support.TestDatabase;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A claimed dial whose gate cannot be read (the database away between the claim and the dial) was never sent: it
 * waits and asks again, and is dialed once the database answers, instead of ending as interrupted a call that was
 * never made. Only a gate that stays unreadable for a minute of confirmed lease ends it interrupted.
 */
class DialGateOutageTest {
    private static final String TALK = "{\"sim_outcome\":\"completed\",\"sim_ring_ms\":100,\"sim_talk_ms\":500}";

    private Engine engine;
    private WorkspaceId workspace;
    private String batch;

    @BeforeEach
    void oneRecipientDue() {
        engine = Engine.start(TestDatabase.freshDatabaseUrl());
        workspace = engine.workspace(20);
        var agent = engine.agent(workspace, Optional.empty());
        var number = engine.number(workspace, Provider.SIMULATOR, "1000");
        batch = engine.submit(
                workspace, agent, number, Optional.empty(), engine.clock.instant(), Engine.calls(1, TALK));
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    @Test
    void a_dial_whose_gate_cannot_be_read_waits_and_is_dialed_once_when_the_database_answers() {
        engine.failingGateReads.set(5);

        engine.runUntilIdle(Duration.ofSeconds(1), 60);

        assertThat(engine.failingGateReads.get())
                .as("every failing read was asked")
                .isZero();
        assertThat(engine.one("SELECT status FROM recipients WHERE batch_id = :b", String.class, "b", batch))
                .isEqualTo("completed");
        assertThat(engine.list("SELECT outcome FROM attempts WHERE batch_id = :b", String.class, "b", batch))
                .containsExactly("completed");
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
    }

    @Test
    void a_gate_unreadable_for_a_minute_of_confirmed_lease_ends_the_attempt_interrupted() {
        engine.failingGateReads.set(Integer.MAX_VALUE);

        for (int second = 0; second <= CallPlacement.GATE_FAILURES_WAITED + 5; second++) {
            engine.runSteps(Duration.ofSeconds(1), 1);
            engine.leases.beatOnce();
        }

        assertThat(engine.list(
                        "SELECT outcome || ': ' || failure_reason FROM attempts WHERE batch_id = :b",
                        String.class,
                        "b",
                        batch))
                .singleElement()
                .satisfies(line -> assertThat(line).startsWith("interrupted: placing the call failed"));
        assertThat(engine.one("SELECT status FROM recipients WHERE batch_id = :b", String.class, "b", batch))
                .isEqualTo("failed");
    }
}
