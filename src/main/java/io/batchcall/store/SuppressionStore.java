package io.batchcall.store;

import io.batchcall.domain.IdSource;
import io.batchcall.domain.SkipReason;
import io.batchcall.domain.WorkspaceId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Do-not-call lists and their entries ({@code /v1/batchcall/suppression-lists}). A list is the workspace's, or one
 * agent's when {@code agentId} is set. What a list means for a dial is {@link Suppressions}' to say; this class
 * only keeps the lists.
 */
public final class SuppressionStore {
    public static final String ID_PREFIX = "dncl";

    private static final String LIST_COLUMNS = """
            l.id, l.name, l.agent_id, l.created_at, l.updated_at,
            (SELECT count(*) FROM suppression_entries e
              WHERE e.workspace_id = l.workspace_id AND e.list_id = l.id) AS entry_count""";
    /** An entry's key as the API shows it: a prefix ends in "*", so "+1201" and "+1201*" stay two entries. */
    private static final String SHOWN_NUMBER = "e.number || CASE WHEN e.is_prefix THEN '*' ELSE '' END";

    private final Jdbi jdbi;
    private final Clock clock;
    private final IdSource ids;

    public SuppressionStore(Database database, Clock clock, IdSource ids) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.ids = ids;
    }

    public record SuppressionList(
            String id, String name, Optional<String> agentId, Instant createdAt, Instant updatedAt, long entryCount) {}

    /** A number to put on a list: E.164, or the "+" and leading digits of every number to suppress. */
    public record NewEntry(String number, boolean isPrefix) {
        /** As the API shows and takes it: "+12015550123", or "+1201*" for a prefix. */
        public String shown() {
            return isPrefix ? number + "*" : number;
        }
    }

    public record Entry(
            String number,
            boolean isPrefix,
            String source,
            Optional<String> reason,
            Optional<String> conversationId,
            Instant createdAt) {
        public String shown() {
            return isPrefix ? number + "*" : number;
        }
    }

    /** What an import did: new entries, and those the list (or the same import) already had. */
    public record Added(int added, int duplicates) {}

    public SuppressionList create(WorkspaceId workspace, String name, Optional<String> agentId) {
        var now = clock.instant();
        var id = ids.next(ID_PREFIX);
        jdbi.useHandle(handle -> handle.createUpdate("""
                        INSERT INTO suppression_lists (workspace_id, id, name, agent_id, created_at, updated_at)
                        VALUES (:workspaceId, :id, :name, :agentId, :now, :now)""")
                .bind("workspaceId", workspace.value())
                .bind("id", id)
                .bind("name", name)
                .bind("agentId", agentId.orElse(null))
                .bind("now", Rows.at(now))
                .execute());
        return find(workspace, id).orElseThrow();
    }

    public Optional<SuppressionList> find(WorkspaceId workspace, String listId) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT " + LIST_COLUMNS + " " + """
                         FROM suppression_lists l WHERE l.workspace_id = :workspaceId AND l.id = :id""")
                .bind("workspaceId", workspace.value())
                .bind("id", listId)
                .map(SuppressionStore::list)
                .findOne());
    }

    /** The workspace's lists, newest first. */
    public Page<SuppressionList> list(WorkspaceId workspace, Optional<Keyset> after, int limit) {
        var rows = jdbi.withHandle(handle -> handle.createQuery("SELECT " + LIST_COLUMNS + " " + """
                         FROM suppression_lists l
                        WHERE l.workspace_id = :workspaceId
                          AND (CAST(:afterAt AS timestamptz) IS NULL OR (l.created_at, l.id) < (:afterAt, :afterId))
                        ORDER BY l.created_at DESC, l.id DESC
                        LIMIT :limit""")
                .bind("workspaceId", workspace.value())
                .bind("afterAt", Rows.at(after.map(Keyset::at).orElse(null)))
                .bind("afterId", after.map(Keyset::id).orElse(null))
                .bind("limit", limit + 1)
                .map(SuppressionStore::list)
                .list());
        return Page.of(rows, limit, list -> new Keyset(list.createdAt(), list.id()));
    }

    /** Deletes the list with its entries; false when there was none. */
    public boolean delete(WorkspaceId workspace, String listId) {
        return jdbi.withHandle(handle -> handle.createUpdate(
                                "DELETE FROM suppression_lists WHERE workspace_id = :workspaceId AND id = :id")
                        .bind("workspaceId", workspace.value())
                        .bind("id", listId)
                        .execute())
                == 1;
    }

    /**
     * Adds entries in one statement; entries the list already has are counted as duplicates and keep their first
     * source and time. Empty when the list does not exist.
     */
    public Optional<Added> add(
            WorkspaceId workspace, String listId, List<NewEntry> entries, String source, Optional<String> reason) {
        var unique = new LinkedHashSet<>(entries);
        var now = clock.instant();
        return jdbi.inTransaction(handle -> {
            if (touch(handle, workspace, listId, now) == 0) {
                return Optional.empty();
            }
            if (unique.isEmpty()) {
                return Optional.of(new Added(0, entries.size()));
            }
            var numbers = new ArrayList<String>(unique.size());
            var prefixes = new ArrayList<Boolean>(unique.size());
            unique.forEach(entry -> {
                numbers.add(entry.number());
                prefixes.add(entry.isPrefix());
            });
            int added = handle.createUpdate("""
                            INSERT INTO suppression_entries (workspace_id, list_id, number, is_prefix, source, reason,
                                created_at)
                            SELECT :workspaceId, :listId, n.number, n.is_prefix, :source, :reason, :now
                            FROM unnest(:numbers, :prefixes) AS n(number, is_prefix)
                            ON CONFLICT (workspace_id, list_id, number, is_prefix) DO NOTHING""")
                    .bind("workspaceId", workspace.value())
                    .bind("listId", listId)
                    .bind("source", source)
                    .bind("reason", reason.orElse(null))
                    .bind("now", Rows.at(now))
                    .bindArray("numbers", String.class, numbers)
                    .bindArray("prefixes", Boolean.class, prefixes)
                    .execute();
            return Optional.of(new Added(added, entries.size() - added));
        });
    }

    public enum Removal {
        REMOVED,
        NO_LIST,
        NO_ENTRY
    }

    public Removal remove(WorkspaceId workspace, String listId, NewEntry entry) {
        var now = clock.instant();
        return jdbi.inTransaction(handle -> {
            if (touch(handle, workspace, listId, now) == 0) {
                return Removal.NO_LIST;
            }
            int removed = handle.createUpdate("""
                            DELETE FROM suppression_entries
                            WHERE workspace_id = :workspaceId AND list_id = :listId AND number = :number
                              AND is_prefix = :isPrefix""")
                    .bind("workspaceId", workspace.value())
                    .bind("listId", listId)
                    .bind("number", entry.number())
                    .bind("isPrefix", entry.isPrefix())
                    .execute();
            return removed == 1 ? Removal.REMOVED : Removal.NO_ENTRY;
        });
    }

    /** A list's entries, newest first; the keyset's id is the shown number. */
    public Page<Entry> entries(WorkspaceId workspace, String listId, Optional<Keyset> after, int limit) {
        var rows = jdbi.withHandle(handle -> handle.createQuery("""
                        SELECT e.number, e.is_prefix, e.source, e.reason, e.conversation_id, e.created_at
                        FROM suppression_entries e
                        WHERE e.workspace_id = :workspaceId AND e.list_id = :listId
                          AND (CAST(:afterAt AS timestamptz) IS NULL
                               OR (e.created_at, %1$s) < (:afterAt, :afterId))
                        ORDER BY e.created_at DESC, %1$s DESC
                        LIMIT :limit""".formatted(SHOWN_NUMBER))
                .bind("workspaceId", workspace.value())
                .bind("listId", listId)
                .bind("afterAt", Rows.at(after.map(Keyset::at).orElse(null)))
                .bind("afterId", after.map(Keyset::id).orElse(null))
                .bind("limit", limit + 1)
                .map((rs, ctx) -> new Entry(
                        rs.getString("number"),
                        rs.getBoolean("is_prefix"),
                        rs.getString("source"),
                        Rows.optionalText(rs, "reason"),
                        Rows.optionalText(rs, "conversation_id"),
                        Rows.instant(rs, "created_at")))
                .list());
        return Page.of(rows, limit, entry -> new Keyset(entry.createdAt(), entry.shown()));
    }

    /** Whether {@code number} may be called for {@code agentId}'s batches, and every entry that says not. */
    public record Check(Optional<SkipReason> reason, List<Suppressions.Match> matches) {}

    public Check check(WorkspaceId workspace, Optional<String> agentId, String number) {
        return jdbi.inTransaction(handle -> new Check(
                Suppressions.suppressed(handle, workspace, agentId, number),
                Suppressions.matches(handle, workspace, agentId, number)));
    }

    /** The numbers of {@code numbers} suppressed for {@code agentId}'s batches, with why (submit and validate). */
    public Map<String, SkipReason> suppressed(
            WorkspaceId workspace, Optional<String> agentId, Collection<String> numbers) {
        return jdbi.withHandle(handle -> Suppressions.suppressed(handle, workspace, agentId, numbers));
    }

    /** Marks the list changed; 0 when it does not exist. Also holds the list's row against a concurrent delete. */
    private static int touch(Handle handle, WorkspaceId workspace, String listId, Instant now) {
        return handle.createUpdate("""
                        UPDATE suppression_lists SET updated_at = :now
                        WHERE workspace_id = :workspaceId AND id = :id""")
                .bind("workspaceId", workspace.value())
                .bind("id", listId)
                .bind("now", Rows.at(now))
                .execute();
    }

    private static SuppressionList list(ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx)
            throws SQLException {
        return new SuppressionList(
                rs.getString("id"),
                rs.getString("name"),
                Rows.optionalText(rs, "agent_id"),
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "updated_at"),
                rs.getLong("entry_count"));
    }
}
