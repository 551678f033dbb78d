package io.batchcall.store;

import io.batchcall.domain.WorkspaceId;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * What Meta's WhatsApp webhooks reported, stored before the webhook is answered: Meta delivers at least once, so
 * an event is stored once per workspace and dedupe key, and stays until it was handed over and handling returned.
 * Not part of the attempt lifecycle: it writes no attempt, recipient, batch or in-flight row, so it takes no
 * workspace lock.
 */
public final class WhatsAppInbox {
    /**
     * How long an event being handled is not handed again: long enough for any handling to finish, short enough
     * that an event whose node died mid-way is handed again soon.
     */
    public static final Duration HANDLING_LEASE = Duration.ofSeconds(60);

    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    private static final int MAX_ERROR_LENGTH = 1_000;

    private final Jdbi jdbi;
    private final Clock clock;

    public WhatsAppInbox(Database database, Clock clock) {
        this.jdbi = database.jdbi();
        this.clock = clock;
    }

    /** One event of a delivery: its dedupe key, and the body it came in (raw text, parsed again when handed). */
    public record Received(String phoneNumberId, String dedupeKey, String body) {}

    /** A stored event to hand over, with its attempt number (1 for the first hand-off). */
    public record Stored(long id, WorkspaceId workspaceId, String dedupeKey, String body, int attempt) {}

    /**
     * Stores the events of one delivery and returns the new ones, already leased to the caller for its own
     * hand-off; events stored before (a redelivery) are left as they are and not returned.
     */
    public List<Stored> receive(WorkspaceId workspace, List<Received> events) {
        if (events.isEmpty()) {
            return List.of();
        }
        var now = clock.instant();
        return jdbi.inTransaction(handle -> handle.createQuery("""
                        INSERT INTO whatsapp_inbox (workspace_id, phone_number_id, dedupe_key, body, received_at,
                                                    due_at, attempts)
                        SELECT :workspaceId, e.phone_number_id, e.dedupe_key, e.body, :now, :dueAt, 1
                        FROM unnest(:phoneNumberIds, :dedupeKeys, :bodies) AS e(phone_number_id, dedupe_key, body)
                        ON CONFLICT (workspace_id, dedupe_key) DO NOTHING
                        RETURNING id, workspace_id, dedupe_key, body, attempts""")
                .bind("workspaceId", workspace.value())
                .bind("now", Rows.at(now))
                .bind("dueAt", Rows.at(now.plus(HANDLING_LEASE)))
                .bindArray(
                        "phoneNumberIds",
                        String.class,
                        events.stream().map(Received::phoneNumberId).toList())
                .bindArray(
                        "dedupeKeys",
                        String.class,
                        events.stream().map(Received::dedupeKey).toList())
                .bindArray(
                        "bodies",
                        String.class,
                        events.stream().map(Received::body).toList())
                .map((rs, ctx) -> stored(rs))
                .list());
    }

    /**
     * Leases up to {@code limit} events that are due and not handled (a hand-off that failed or whose node died)
     * to the caller. Nodes running the drain at once take different events.
     */
    public List<Stored> claimDue(int limit) {
        var now = clock.instant();
        return jdbi.inTransaction(handle -> handle.createQuery("""
                        UPDATE whatsapp_inbox SET due_at = :leaseEnd, attempts = attempts + 1
                        WHERE id IN (SELECT id FROM whatsapp_inbox
                                     WHERE handled_at IS NULL AND due_at <= :now
                                     ORDER BY due_at LIMIT :limit FOR UPDATE SKIP LOCKED)
                        RETURNING id, workspace_id, dedupe_key, body, attempts""")
                .bind("now", Rows.at(now))
                .bind("leaseEnd", Rows.at(now.plus(HANDLING_LEASE)))
                .bind("limit", limit)
                .map((rs, ctx) -> stored(rs))
                .list());
    }

    /** Handling returned: the event is never handed again. */
    public void handled(long id) {
        jdbi.useHandle(handle -> handle.createUpdate("""
                        UPDATE whatsapp_inbox SET handled_at = :now, last_error = NULL WHERE id = :id""")
                .bind("id", id)
                .bind("now", Rows.at(clock.instant()))
                .execute());
    }

    /**
     * Handling threw: the event is due again after a backoff that doubles with each attempt (1 s, 2 s, ... up to
     * five minutes), so that an event that always fails costs little while one that failed once is retried soon.
     */
    public void failed(Stored event, String error) {
        var backoff = Duration.ofSeconds(1L << Math.min(event.attempt() - 1, 20));
        var due = clock.instant().plus(backoff.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff);
        jdbi.useHandle(handle -> handle.createUpdate("""
                        UPDATE whatsapp_inbox SET due_at = :due, last_error = :error
                        WHERE id = :id AND handled_at IS NULL""")
                .bind("id", event.id())
                .bind("due", Rows.at(due))
                .bind("error", error.length() > MAX_ERROR_LENGTH ? error.substring(0, MAX_ERROR_LENGTH) : error)
                .execute());
    }

    private static Stored stored(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Stored(
                rs.getLong("id"),
                new WorkspaceId(rs.getString("workspace_id")),
                rs.getString("dedupe_key"),
                rs.getString("body"),
                rs.getInt("attempts"));
    }
}
