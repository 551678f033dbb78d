package io.batchcall.store;

import io.batchcall.domain.CallingWindows;
import io.batchcall.domain.NewBatch;
import io.batchcall.domain.WorkspaceId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Holds, in the submit's transaction, the recipients of a batch that is due at once but whose calling window is
 * closed where they are: their window is known then, so they are written held (hold reason, next attempt time,
 * resolved zones, a {@code recipient.held} event each) exactly as the first claim would have written them, and the
 * claim's candidate query ({@code next_attempt_at <= now}) never meets them. Otherwise a batch of 10,000 of which
 * 9,000 wait made its first claims judge and write the 9,000 before dialing anyone.
 *
 * <p>Only the calling window is judged here, through the claim's own {@link ClaimGate}: numbers on a do-not-call or
 * opt-out list are left for the claim, which skips them (a submit does not), and the claim judges every recipient
 * again when it reaches it, so nothing is dialed outside its window whatever was decided here.
 */
final class SubmitHolds {
    private final CallingWindows windows;

    SubmitHolds(CallingWindows windows) {
        this.windows = windows;
    }

    /** The events of the holds written (empty when the batch has no window, is scheduled later, or none waits). */
    List<Outbox.Event> hold(Handle handle, WorkspaceId workspace, String batchId, NewBatch batch, Instant now) {
        var window = batch.rules().callingWindowJson();
        // A batch scheduled later is judged by its first claim, at a time the window may be open; an expired window
        // makes the claim skip its recipients, which a submit does not do.
        if (window.isEmpty()
                || batch.scheduledAt().isAfter(now)
                || batch.rules()
                        .windowExpiresAt()
                        .filter(at -> !now.isBefore(at))
                        .isPresent()) {
            return List.of();
        }
        var candidates = candidates(handle, workspace, batchId);
        var suppressed = Suppressions.suppressed(
                handle,
                workspace,
                Optional.of(batch.agentId()),
                candidates.stream().flatMap(c -> c.phoneNumber().stream()).toList());
        var judged = candidates.stream()
                .filter(c -> c.phoneNumber().filter(suppressed::containsKey).isEmpty())
                .toList();
        var due = new ClaimLocks.DueBatch(
                batchId,
                batch.agentId(),
                batch.phoneNumberId(),
                batch.targetConcurrencyLimit(),
                0,
                batch.callConfig(),
                batch.scheduledAt(),
                true,
                batch.timezone(),
                window,
                batch.rules().windowExpiresAt());
        // No frequency caps and no room: the gate only holds (or leaves) by the window; what it would let through
        // stays pending for the claim, which counts the caps then.
        var gate = new ClaimGate(handle, workspace, windows, List.of(), now);
        var admitted = gate.decide(due, judged, 0);
        if (!admitted.isEmpty()) {
            throw new IllegalStateException("a gate with no room admitted " + admitted.size());
        }
        return gate.events();
    }

    /** The batch's recipients as the claim reads them (its variable zone by the same JSON path), in position order. */
    private static List<ClaimGate.Candidate> candidates(Handle handle, WorkspaceId workspace, String batchId) {
        return handle.createQuery("""
                        SELECT id, position, phone_number, whatsapp_user_id, timezone, region,
                               client_data -> 'dynamic_variables' ->> 'timezone' AS variable_zone
                        FROM recipients
                        WHERE workspace_id = :workspaceId AND batch_id = :batchId AND pending
                        ORDER BY position""")
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .map((rs, ctx) -> new ClaimGate.Candidate(
                        rs.getString("id"),
                        rs.getInt("position"),
                        Rows.optionalText(rs, "phone_number"),
                        Optional.empty(),
                        0,
                        Optional.empty(),
                        Optional.empty(),
                        Rows.optionalText(rs, "timezone"),
                        Rows.optionalText(rs, "region"),
                        Rows.optionalText(rs, "variable_zone"),
                        Rows.optionalText(rs, "whatsapp_user_id")))
                .list();
    }
}
