package io.batchcall.store;

import io.batchcall.domain.SkipReason;
import io.batchcall.domain.WorkspaceId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Which numbers must not be called for one agent's batch: opted out (the workspace's opt-outs, and the agent's own)
 * or on a do-not-call list (the workspace's lists, and the agent's). The claim asks it for what it is about to dial,
 * which is the check that counts; submit and validate ask it to report.
 */
public final class Suppressions {
    private Suppressions() {}

    /**
     * The numbers of {@code numbers} that are suppressed for {@code agentId}, each with why: an opt-out wins over a
     * list, being the person's own request. A list entry matches its exact number, or every number it is a prefix
     * of.
     */
    public static Map<String, SkipReason> suppressed(
            Handle handle, WorkspaceId workspace, Optional<String> agentId, Collection<String> numbers) {
        var found = new HashMap<String, SkipReason>();
        if (numbers.isEmpty()) {
            return found;
        }
        // One statement for the opt-outs and whether the workspace has any list entry: most have none, and then
        // no prefix of any number is sent (about 110,000 strings for a 10,000-recipient submit, the same again per
        // claim chunk). It runs at every claim and submit.
        boolean listed = handle.createQuery("""
                        SELECT EXISTS (SELECT 1 FROM suppression_entries WHERE workspace_id = :workspaceId) AS listed,
                            ARRAY(SELECT DISTINCT o.number FROM opt_outs o
                                  WHERE o.workspace_id = :workspaceId AND o.number = ANY(:numbers)
                                    AND (o.agent_id IS NULL OR o.agent_id = :agentId)) AS opted_out""")
                .bind("workspaceId", workspace.value())
                .bind("agentId", agentId.orElse(null))
                .bindArray("numbers", String.class, List.copyOf(numbers))
                .map((rs, ctx) -> {
                    for (var number : (String[]) rs.getArray("opted_out").getArray()) {
                        found.put(number, SkipReason.OPTED_OUT);
                    }
                    return rs.getBoolean("listed");
                })
                .one();
        if (listed) {
            listed(handle, workspace, agentId, numbers, found);
        }
        return found;
    }

    /**
     * The numbers a do-not-call list entry matches, put in {@code found} as {@link SkipReason#DNC} unless they are
     * there already: an opt-out wins over a list.
     */
    private static void listed(
            Handle handle,
            WorkspaceId workspace,
            Optional<String> agentId,
            Collection<String> numbers,
            Map<String, SkipReason> found) {
        // Every prefix of every number, so that one index lookup finds exact entries and prefix entries alike.
        var candidates = new ArrayList<String>();
        var owners = new ArrayList<String>();
        for (var number : numbers) {
            for (int end = 2; end <= number.length(); end++) {
                candidates.add(number.substring(0, end));
                owners.add(number);
            }
        }
        handle.createQuery("""
                        SELECT DISTINCT c.owner
                        FROM unnest(:candidates, :owners) AS c(candidate, owner)
                        JOIN suppression_entries e ON e.workspace_id = :workspaceId AND e.number = c.candidate
                        JOIN suppression_lists l ON l.workspace_id = e.workspace_id AND l.id = e.list_id
                        WHERE (e.is_prefix OR e.number = c.owner)
                          AND (l.agent_id IS NULL OR l.agent_id = :agentId)""")
                .bind("workspaceId", workspace.value())
                .bind("agentId", agentId.orElse(null))
                .bindArray("candidates", String.class, candidates)
                .bindArray("owners", String.class, owners)
                .mapTo(String.class)
                .forEach(number -> found.putIfAbsent(number, SkipReason.DNC));
    }

    /** The same, for one number. */
    public static Optional<SkipReason> suppressed(
            Handle handle, WorkspaceId workspace, Optional<String> agentId, String number) {
        return Optional.ofNullable(
                suppressed(handle, workspace, agentId, List.of(number)).get(number));
    }

    /** One reason a number is suppressed: a list entry (listId) or an opt-out (optOutId). */
    public record Match(
            Optional<String> listId,
            Optional<String> optOutId,
            String number,
            boolean isPrefix,
            java.time.Instant addedAt,
            String source) {}

    /**
     * Every list entry and opt-out that suppresses {@code number} for {@code agentId}, opt-outs first: the detail
     * behind {@link #suppressed}, for people checking why a number is not called. The same conditions as there.
     */
    public static List<Match> matches(Handle handle, WorkspaceId workspace, Optional<String> agentId, String number) {
        var candidates = new ArrayList<String>();
        for (int end = 2; end <= number.length(); end++) {
            candidates.add(number.substring(0, end));
        }
        var found = new ArrayList<Match>();
        handle.createQuery("""
                        SELECT o.id, o.number, o.created_at, o.channel FROM opt_outs o
                        WHERE o.workspace_id = :workspaceId AND o.number = :number
                          AND (o.agent_id IS NULL OR o.agent_id = :agentId)
                        ORDER BY o.created_at, o.id""")
                .bind("workspaceId", workspace.value())
                .bind("agentId", agentId.orElse(null))
                .bind("number", number)
                .map((rs, ctx) -> new Match(
                        Optional.empty(),
                        Optional.of(rs.getString("id")),
                        rs.getString("number"),
                        false,
                        Rows.instant(rs, "created_at"),
                        rs.getString("channel")))
                .forEach(found::add);
        handle.createQuery("""
                        SELECT e.list_id, e.number, e.is_prefix, e.created_at, e.source
                        FROM suppression_entries e
                        JOIN suppression_lists l ON l.workspace_id = e.workspace_id AND l.id = e.list_id
                        WHERE e.workspace_id = :workspaceId AND e.number = ANY(:candidates)
                          AND (e.is_prefix OR e.number = :number)
                          AND (l.agent_id IS NULL OR l.agent_id = :agentId)
                        ORDER BY e.list_id, length(e.number) DESC""")
                .bind("workspaceId", workspace.value())
                .bind("agentId", agentId.orElse(null))
                .bind("number", number)
                .bindArray("candidates", String.class, candidates)
                .map((rs, ctx) -> new Match(
                        Optional.of(rs.getString("list_id")),
                        Optional.empty(),
                        rs.getString("number"),
                        rs.getBoolean("is_prefix"),
                        Rows.instant(rs, "created_at"),
                        rs.getString("source")))
                .forEach(found::add);
        return found;
    }
}
