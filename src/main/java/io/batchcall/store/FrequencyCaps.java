package io.batchcall.store;

import io.batchcall.domain.FrequencyCap;
import io.batchcall.domain.WorkspaceId;
import java.util.List;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;

/**
 * A workspace's frequency caps (workspaces.frequency_caps): read and replaced as a whole. The claim reads them under
 * the workspace's lock at every claim, so a change applies to the next claim of every batch.
 */
public final class FrequencyCaps {
    private final Jdbi jdbi;

    public FrequencyCaps(Database database) {
        this.jdbi = database.jdbi();
    }

    public List<FrequencyCap> caps(WorkspaceId workspace) {
        return jdbi.withHandle(handle -> ClaimGate.caps(handle, workspace));
    }

    /**
     * Replaces the caps (an empty list removes them). The row update waits for a claim of the workspace in progress,
     * which holds the row's lock.
     */
    public void replace(WorkspaceId workspace, List<FrequencyCap> caps) {
        var json = caps.stream()
                .map(cap -> "{\"max\": " + cap.max() + ", \"per_seconds\": "
                        + cap.per().toSeconds() + "}")
                .collect(Collectors.joining(", ", "[", "]"));
        jdbi.useHandle(handle -> handle.createUpdate(
                        "UPDATE workspaces SET frequency_caps = CAST(:caps AS jsonb) WHERE id = :workspaceId")
                .bind("caps", json)
                .bind("workspaceId", workspace.value())
                .execute());
    }
}
