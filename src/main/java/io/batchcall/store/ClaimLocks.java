package io.batchcall.store;

import io.batchcall.domain.Agent;
import io.batchcall.domain.MachineDetection;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.WorkspaceId;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * What a claim reads and locks before it decides: the workspace's due batches, their agents and their numbers,
 * the agents and numbers locked (FOR NO KEY UPDATE) in that order, which every transaction that changes them
 * follows too; the batches are read under the workspace lock and locked when the claim counts on them.
 */
final class ClaimLocks {
    private ClaimLocks() {}

    /** A due batch: what its claim needs, and whether this is its first (it was still pending). */
    record DueBatch(
            String id,
            String agentId,
            Optional<String> phoneNumberId,
            Optional<Integer> target,
            int inFlight,
            TelephonyCallConfig callConfig,
            Instant scheduledAt,
            boolean pending,
            Optional<String> timezone,
            Optional<String> callingWindow,
            Optional<Instant> windowExpiresAt) {}

    static List<DueBatch> dueBatches(Handle handle, WorkspaceId workspace, Instant now) {
        return handle.createQuery("""
                        SELECT b.id, b.agent_id, b.phone_number_id, b.target_concurrency_limit, b.in_flight,
                               b.ringing_timeout_secs, b.recording_enabled, b.machine_detection, b.scheduled_at,
                               b.status = 'pending' AS pending, b.timezone, b.calling_window::text AS calling_window,
                               b.window_expires_at
                        FROM batches b
                        WHERE b.workspace_id = :workspaceId AND b.status IN ('pending', 'in_progress')
                          AND b.scheduled_at <= :now
                          -- A paused batch is skipped here, in the statement that picks due batches: the pause
                          -- took the workspace lock this claim holds, so it is either seen or not yet committed.
                          AND b.paused_at IS NULL
                          AND EXISTS (SELECT 1 FROM recipients r
                                      WHERE r.workspace_id = b.workspace_id AND r.batch_id = b.id
                                        AND r.pending
                                        AND (r.next_attempt_at IS NULL OR r.next_attempt_at <= :now))
                        -- Not locked: every change to a batch but a group of call ends takes the workspace lock
                        -- this claim holds, and those ends only lower in_flight and complete batches without
                        -- pending recipients. The claim locks the rows when it counts its claims on them, last
                        -- (InFlight.claimed), so that ends and claims wait for each other only briefly.
                        ORDER BY b.last_claimed_at NULLS FIRST, b.created_at, b.id""")
                .bind("workspaceId", workspace.value())
                .bind("now", Rows.at(now))
                .map((rs, ctx) -> new DueBatch(
                        rs.getString("id"),
                        rs.getString("agent_id"),
                        Rows.optionalText(rs, "phone_number_id"),
                        Optional.ofNullable((Integer) rs.getObject("target_concurrency_limit")),
                        rs.getInt("in_flight"),
                        new TelephonyCallConfig(
                                rs.getInt("ringing_timeout_secs"),
                                rs.getBoolean("recording_enabled"),
                                Rows.optionalText(rs, "machine_detection").flatMap(MachineDetection::fromWire)),
                        Rows.instant(rs, "scheduled_at"),
                        rs.getBoolean("pending"),
                        Rows.optionalText(rs, "timezone"),
                        Rows.optionalText(rs, "calling_window"),
                        Rows.optionalInstant(rs, "window_expires_at")))
                .list();
    }

    /**
     * An agent with its calls in flight and, when it has a {@code daily_limit}, the calls claimed for it in the
     * last 24 hours (0 without one: nothing to count).
     */
    record LockedAgent(Agent agent, int inFlight, boolean deleted, int claimedInDailyWindow) {
        /** How many more calls the agent's daily limit allows now; the concurrency limit when it has none. */
        int dailyRoom(int otherwise) {
            return agent.dailyLimit()
                    .map(limit -> Math.max(0, limit - claimedInDailyWindow))
                    .orElse(otherwise);
        }
    }

    static Map<String, LockedAgent> agents(Handle handle, WorkspaceId workspace, List<String> ids, Instant now) {
        var found = new HashMap<String, LockedAgent>();
        // The count is read under the agent's lock, which every claim for the agent takes first: two nodes
        // cannot both see room for the same last call of the day.
        handle.createQuery("SELECT " + AgentStore.COLUMNS + """
                        , in_flight, deleted_at IS NOT NULL AS deleted,
                          CASE WHEN daily_limit IS NULL THEN 0
                               ELSE (SELECT count(*) FROM attempts a
                                     WHERE a.workspace_id = agents.workspace_id AND a.agent_id = agents.id
                                       AND a.claimed_at > :windowStart)::integer
                                    +\s""" + DeletedDials.AGENT_COUNT + """
                                    ::integer END AS claimed_in_window
                        FROM agents WHERE workspace_id = :workspaceId AND id = ANY(:ids) ORDER BY id FOR NO KEY UPDATE""")
                .bind("workspaceId", workspace.value())
                .bindArray("ids", String.class, ids)
                .bind("windowStart", Rows.at(now.minus(Agent.DAILY_WINDOW)))
                .map((rs, ctx) -> new LockedAgent(
                        AgentStore.agent(rs, ctx),
                        rs.getInt("in_flight"),
                        rs.getBoolean("deleted"),
                        rs.getInt("claimed_in_window")))
                .forEach(agent -> found.put(agent.agent().id(), agent));
        return found;
    }

    /** A caller number with the next instant its pace allows; a deleted one fails its batches. */
    record LockedNumber(PhoneNumber number, Optional<Instant> nextDialAt, boolean deleted) {}

    static Map<String, LockedNumber> numbers(Handle handle, WorkspaceId workspace, List<String> ids) {
        var found = new HashMap<String, LockedNumber>();
        handle.createQuery("SELECT " + PhoneNumberStore.COLUMNS + """
                        , next_dial_at, deleted_at IS NOT NULL AS deleted
                        FROM phone_numbers WHERE workspace_id = :workspaceId AND id = ANY(:ids) ORDER BY id FOR NO KEY UPDATE""")
                .bind("workspaceId", workspace.value())
                .bindArray("ids", String.class, ids)
                .map((rs, ctx) -> new LockedNumber(
                        PhoneNumberStore.phoneNumber(rs, ctx),
                        Rows.optionalInstant(rs, "next_dial_at"),
                        rs.getBoolean("deleted")))
                .forEach(number -> found.put(number.number().id(), number));
        return found;
    }
}
