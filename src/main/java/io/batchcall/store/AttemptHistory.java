package io.batchcall.store;

import io.batchcall.domain.WorkspaceId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Reads a batch's attempts, in claim order, a page at a time: the record users check limits against. */
public final class AttemptHistory {
    private final Jdbi jdbi;

    public AttemptHistory(Database database) {
        this.jdbi = database.jdbi();
    }

    /** One attempt as the attempts endpoint shows it. */
    public record AttemptView(
            String id,
            String recipientId,
            int attemptNumber,
            String provider,
            Optional<String> providerCallId,
            String conversationId,
            String nodeId,
            String phase,
            Instant claimedAt,
            Optional<Instant> dialedAt,
            Optional<Instant> answeredAt,
            Optional<Instant> endedAt,
            Optional<String> outcome,
            Optional<String> providerStatus,
            Optional<Integer> sipCode,
            Optional<String> failureReason,
            Optional<String> answeredBy,
            Audit audit) {}

    /**
     * Why the campaign rules allowed the dial: the recipient's local time and zone when it was claimed (empty when
     * no zone was known) and the rules that allowed it, e.g. {@code calling_window; preset US+US-FL telemarketing}.
     */
    public record Audit(Optional<String> localTime, Optional<String> timezone, Optional<String> policy) {}

    public record Position(Instant claimedAt, String id) {}

    public record Page(List<AttemptView> attempts, boolean hasMore) {}

    /** A page of the batch's attempts, or of one recipient's when {@code recipientId} is given. */
    public Page page(
            WorkspaceId workspace, String batchId, Optional<String> recipientId, Optional<Position> after, int limit) {
        // Only the conditions that apply are in the text, so that the index seek is used.
        var sql = """
                SELECT id, recipient_id, attempt_number, provider, provider_call_id, conversation_id, node_id,
                       phase, claimed_at, dialed_at, answered_at, ended_at, outcome, provider_status, sip_code,
                       failure_reason, answered_by, local_time, timezone, policy
                FROM attempts
                WHERE workspace_id = :workspaceId AND batch_id = :batchId
                """ + (recipientId.isPresent() ? " AND recipient_id = :recipientId" : "")
                + (after.isPresent() ? " AND (claimed_at, id) > (:afterClaimedAt, :afterId)" : "")
                + " ORDER BY claimed_at, id LIMIT :limit";
        var rows = jdbi.withHandle(handle -> handle.createQuery(sql)
                .bind("workspaceId", workspace.value())
                .bind("batchId", batchId)
                .bind("recipientId", recipientId.orElse(null))
                .bind("afterClaimedAt", after.map(p -> Rows.at(p.claimedAt())).orElse(null))
                .bind("afterId", after.map(Position::id).orElse(null))
                .bind("limit", limit + 1)
                .map((rs, ctx) -> new AttemptView(
                        rs.getString("id"),
                        rs.getString("recipient_id"),
                        rs.getInt("attempt_number"),
                        rs.getString("provider"),
                        Rows.optionalText(rs, "provider_call_id"),
                        rs.getString("conversation_id"),
                        rs.getString("node_id"),
                        rs.getString("phase"),
                        Rows.instant(rs, "claimed_at"),
                        Rows.optionalInstant(rs, "dialed_at"),
                        Rows.optionalInstant(rs, "answered_at"),
                        Rows.optionalInstant(rs, "ended_at"),
                        Rows.optionalText(rs, "outcome"),
                        Rows.optionalText(rs, "provider_status"),
                        Optional.ofNullable((Integer) rs.getObject("sip_code")),
                        Rows.optionalText(rs, "failure_reason"),
                        Rows.optionalText(rs, "answered_by"),
                        new Audit(
                                Rows.optionalText(rs, "local_time"),
                                Rows.optionalText(rs, "timezone"),
                                Rows.optionalText(rs, "policy"))))
                .list());
        return rows.size() > limit ? new Page(rows.subList(0, limit), true) : new Page(rows, false);
    }
}
