package io.batchcall.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.AgentStore;
import io.batchcall.support.TestDatabase;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An agent's platform_settings.call_limits.daily_limit, enforced by the claim over a rolling 24 hours, driven on a
 * mutable clock: the calls past the limit wait (not fail), the agent says why, and they go once the window moves.
 */
class DailyLimitTest {
    private static final String TALK = "{\"sim_outcome\":\"completed\",\"sim_ring_ms\":100,\"sim_talk_ms\":1000}";

    private Engine engine;
    private WorkspaceId workspace;
    private String number;

    @BeforeEach
    void start() {
        engine = Engine.start(TestDatabase.freshDatabaseUrl());
        workspace = engine.workspace(20);
        number = engine.number(workspace, Provider.SIMULATOR, "1000");
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private String agent(Optional<Integer> dailyLimit) {
        return engine.agents
                .create(
                        workspace,
                        new AgentStore.NewAgent(
                                "agent",
                                "{}",
                                "[]",
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                "{}",
                                dailyLimit,
                                false),
                        Optional.empty())
                .id();
    }

    private int attempts(String batchId) {
        return engine.one("SELECT count(*) FROM attempts WHERE batch_id = :b", Integer.class, "b", batchId);
    }

    @Test
    void calls_past_the_daily_limit_wait_for_the_24_hour_window_to_move_then_go() {
        var agent = agent(Optional.of(3));
        var firstClaim = engine.clock.instant();
        var batch = engine.submit(workspace, agent, number, Optional.empty(), firstClaim, Engine.calls(5, TALK));

        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(attempts(batch)).isEqualTo(3);
        assertThat(engine.batchStatus(batch)).isEqualTo("in_progress");
        assertThat(engine.list(
                        "SELECT status FROM recipients WHERE batch_id = :b ORDER BY position",
                        String.class,
                        "b",
                        batch))
                .containsExactly("completed", "completed", "completed", "pending", "pending");
        var usage = engine.agents.dailyUsage(workspace, agent).orElseThrow();
        assertThat(usage.reached()).isTrue();
        assertThat(usage.claimed()).isEqualTo(3);
        assertThat(usage.nextCallAllowedAt()).contains(firstClaim.plus(Duration.ofHours(24)));

        engine.clock.set(firstClaim.plus(Duration.ofHours(23)));
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);
        assertThat(attempts(batch))
                .as("still within 24 hours of the first three")
                .isEqualTo(3);

        engine.clock.set(firstClaim.plus(Duration.ofHours(24)).plusSeconds(1));
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(attempts(batch)).isEqualTo(5);
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
    }

    @Test
    void a_deleted_batchs_calls_still_count_against_the_agents_daily_limit() {
        var agent = agent(Optional.of(2));
        var firstClaim = engine.clock.instant();
        var deleted = engine.submit(workspace, agent, number, Optional.empty(), firstClaim, Engine.calls(2, TALK));
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);
        assertThat(attempts(deleted)).isEqualTo(2);
        assertThat(engine.batches.delete(workspace, deleted)).isTrue();

        var next = engine.submit(
                workspace, agent, number, Optional.empty(), engine.clock.instant(), Engine.calls(2, TALK));
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(attempts(next)).isZero();
        var usage = engine.agents.dailyUsage(workspace, agent).orElseThrow();
        assertThat(usage.claimed()).isEqualTo(2);
        assertThat(usage.nextCallAllowedAt()).contains(firstClaim.plus(Duration.ofHours(24)));

        engine.clock.set(firstClaim.plus(Duration.ofHours(24)).plusSeconds(1));
        engine.runUntilIdle(Duration.ofMillis(100), 1_000);
        assertThat(attempts(next)).isEqualTo(2);
    }

    @Test
    void an_agent_without_a_daily_limit_is_held_by_nothing_but_concurrency() {
        var agent = agent(Optional.empty());
        var batch = engine.submit(
                workspace, agent, number, Optional.empty(), engine.clock.instant(), Engine.calls(6, TALK));

        engine.runUntilIdle(Duration.ofMillis(100), 1_000);

        assertThat(attempts(batch)).isEqualTo(6);
        assertThat(engine.batchStatus(batch)).isEqualTo("completed");
        assertThat(engine.agents.dailyUsage(workspace, agent)).isEmpty();
    }
}
