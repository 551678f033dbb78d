package io.batchcall.store;

import io.batchcall.domain.Agent;
import io.batchcall.domain.FrequencyCap;
import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The dials of deleted batches that frequency caps and agents' daily limits still count (V167): a batch's delete
 * keeps its recent dials here, the number as a salted hash, and the counts add them to the attempts they read.
 * Without this, deleting a batch forgot its calls, and a corrected batch called the same people again past a cap.
 */
public final class DeletedDials {
    /** The hash a kept dial's number is stored under: {@code n} a number column, {@code w} the workspace's row. */
    static String numberHash(String number) {
        return "sha256(w.dial_salt || convert_to(" + number + ", 'UTF8'))";
    }

    /** A count of an agent's kept dials since {@code :windowStart}, for a statement over {@code agents}. */
    static final String AGENT_COUNT = """
            (SELECT count(*) FROM deleted_dials d
             WHERE d.workspace_id = agents.workspace_id AND d.agent_id = agents.id
               AND d.claimed_at > :windowStart)""";

    private final Jdbi jdbi;
    private final Clock clock;

    public DeletedDials(Database database, Clock clock) {
        this.jdbi = database.jdbi();
        this.clock = clock;
    }

    /**
     * Keeps the dials of a batch about to be deleted that a cap or the daily limit can still count: those claimed
     * within the workspace's longest cap or the last 24 hours, whichever is longer, each until it leaves that span.
     */
    static int keep(Handle handle, WorkspaceId workspace, String batchId, Instant now) {
        var span = longer(FrequencyCap.longest(ClaimGate.caps(handle, workspace)), Agent.DAILY_WINDOW);
        return handle.createUpdate("""
                        INSERT INTO deleted_dials (workspace_id, agent_id, number_hash, claimed_at, keep_until)
                        SELECT a.workspace_id, a.agent_id,
                               CASE WHEN a.to_number IS NULL THEN NULL ELSE\s""" + numberHash("a.to_number") + """
                         END,
                               a.claimed_at, a.claimed_at + make_interval(secs => :spanSeconds)
                        FROM attempts a
                        JOIN workspaces w ON w.id = a.workspace_id
                        WHERE a.workspace_id = :workspaceId AND a.batch_id = :batchId AND a.claimed_at > :since""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("spanSeconds", (double) span.toSeconds())
                .bind("since", Rows.at(now.minus(span)))
                .execute();
    }

    /** Deletes the kept dials no cap or daily limit counts any more. Returns how many. */
    public int purgeExpired() {
        return jdbi.withHandle(handle -> handle.createUpdate("DELETE FROM deleted_dials WHERE keep_until < :now")
                .bind("now", Rows.at(clock.instant()))
                .execute());
    }

    private static Duration longer(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
