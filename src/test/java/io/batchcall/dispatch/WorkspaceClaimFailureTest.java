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
 * One tenant's claim that fails every time (a stored value that cannot be read: here frequency caps edited by hand
 * into a shape PostgreSQL refuses to cast) does not stall the node: the other workspaces' recipients are claimed
 * and called, the failing workspace backs off, and once its data is mended its recipients are called too.
 */
class WorkspaceClaimFailureTest {
    private static final String TALK = "{\"sim_outcome\":\"completed\",\"sim_ring_ms\":100,\"sim_talk_ms\":500}";

    private Engine engine;
    private WorkspaceId broken;
    private String brokenBatch;
    private String healthyBatch;

    @BeforeEach
    void twoWorkspacesOneWithUnreadableCaps() {
        engine = Engine.start(TestDatabase.freshDatabaseUrl());
        broken = engine.workspace(20);
        brokenBatch = submitOneCall(broken);
        var healthy = engine.workspace(20);
        healthyBatch = submitOneCall(healthy);
        setCaps(broken, "[{\"max\": \"lots\", \"per_seconds\": 60}]");
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    @Test
    void the_other_workspaces_are_called_while_one_workspaces_claim_keeps_failing() {
        engine.runUntilIdle(Duration.ofSeconds(1), 60);

        assertThat(engine.batchStatus(healthyBatch)).isEqualTo("completed");
        assertThat(engine.list("SELECT outcome FROM attempts WHERE batch_id = :b", String.class, "b", healthyBatch))
                .containsExactly("completed");
        assertThat(engine.list("SELECT outcome FROM attempts WHERE batch_id = :b", String.class, "b", brokenBatch))
                .as("nothing was claimed where the claim fails")
                .isEmpty();
        assertThat(engine.one("SELECT status FROM recipients WHERE batch_id = :b", String.class, "b", brokenBatch))
                .isEqualTo("pending");
    }

    @Test
    void a_workspace_whose_data_is_mended_is_claimed_again_after_its_back_off() {
        engine.runUntilIdle(Duration.ofSeconds(1), 60);
        setCaps(broken, "[{\"max\": 5, \"per_seconds\": 60}]");

        engine.timers.advance(ClaimBackoff.LONGEST);
        engine.runUntilIdle(Duration.ofSeconds(1), 60);

        assertThat(engine.batchStatus(brokenBatch)).isEqualTo("completed");
        assertThat(engine.list("SELECT outcome FROM attempts WHERE batch_id = :b", String.class, "b", brokenBatch))
                .as("called exactly once")
                .containsExactly("completed");
    }

    private String submitOneCall(WorkspaceId workspace) {
        var agent = engine.agent(workspace, Optional.empty());
        var number = engine.number(workspace, Provider.SIMULATOR, "1000");
        return engine.submit(workspace, agent, number, Optional.empty(), engine.clock.instant(), Engine.calls(1, TALK));
    }

    private void setCaps(WorkspaceId workspace, String caps) {
        engine.jdbi.useHandle(handle -> handle.createUpdate(
                        "UPDATE workspaces SET frequency_caps = CAST(:caps AS jsonb) WHERE id = :id")
                .bind("caps", caps)
                .bind("id", workspace.value())
                .execute());
    }
}
