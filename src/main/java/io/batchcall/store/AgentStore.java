package io.batchcall.store;

import io.batchcall.domain.Agent;
import io.batchcall.domain.Change;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.WorkspaceId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** Agents of a workspace. Deleted agents are kept for the names of old batches, and are invisible here. */
public final class AgentStore {
    static final String COLUMNS = """
            workspace_id, id, name, conversation_config::text AS conversation_config, tags::text AS tags,
            concurrency_limit, media_stream_url, sip_uri, created_at, updated_at,
            platform_settings::text AS platform_settings, daily_limit, bursting_enabled
            """;

    private final Jdbi jdbi;
    private final Clock clock;
    private final IdSource ids;

    public AgentStore(Database database, Clock clock, IdSource ids) {
        this.jdbi = database.jdbi();
        this.clock = clock;
        this.ids = ids;
    }

    /** A new agent: JSON texts as given, empty optionals for "the default". */
    public record NewAgent(
            String name,
            String conversationConfigJson,
            String tagsJson,
            Optional<Integer> concurrencyLimit,
            Optional<String> mediaStreamUrl,
            Optional<String> sipUri,
            String platformSettingsJson,
            Optional<Integer> dailyLimit,
            boolean burstingEnabled) {
        /** Without platform settings. */
        public NewAgent(
                String name,
                String conversationConfigJson,
                String tagsJson,
                Optional<Integer> concurrencyLimit,
                Optional<String> mediaStreamUrl,
                Optional<String> sipUri) {
            this(
                    name,
                    conversationConfigJson,
                    tagsJson,
                    concurrencyLimit,
                    mediaStreamUrl,
                    sipUri,
                    "{}",
                    Optional.empty(),
                    false);
        }
    }

    /**
     * A PATCH of an agent: empty optionals keep a required field; a {@link Change} per nullable one.
     * {@code platformSettingsJson} is merged key by key into the stored settings.
     */
    public record Changes(
            Optional<String> name,
            Optional<String> conversationConfigJson,
            Optional<String> tagsJson,
            Change<Integer> concurrencyLimit,
            Change<String> mediaStreamUrl,
            Change<String> sipUri,
            Change<String> phoneNumberId,
            Optional<String> platformSettingsJson,
            Change<Integer> dailyLimit,
            Optional<Boolean> burstingEnabled) {}

    /**
     * An agent's use of its {@code daily_limit}: the calls claimed for it in the last 24 hours, and when the oldest
     * of them leaves the window (room for the next call, once the limit is reached).
     */
    public record DailyUsage(int limit, int claimed, Optional<java.time.Instant> nextCallAllowedAt) {
        public boolean reached() {
            return claimed >= limit;
        }
    }

    /** The agent's daily usage now; empty when it has no daily limit (or is gone). */
    public Optional<DailyUsage> dailyUsage(WorkspaceId workspace, String agentId) {
        return jdbi.withHandle(handle -> dailyUsage(handle, workspace, agentId, clock.instant()));
    }

    static Optional<DailyUsage> dailyUsage(
            Handle handle, WorkspaceId workspace, String agentId, java.time.Instant now) {
        var windowStart = now.minus(Agent.DAILY_WINDOW);
        return handle.createQuery("""
                        SELECT g.daily_limit, count(c.claimed_at)::integer AS claimed,
                               (array_agg(c.claimed_at ORDER BY c.claimed_at DESC))[g.daily_limit] AS limiting
                        FROM agents g
                        LEFT JOIN (SELECT a.claimed_at FROM attempts a
                                   WHERE a.workspace_id = :workspaceId AND a.agent_id = :agentId
                                     AND a.claimed_at > :windowStart
                                   UNION ALL
                                   -- The dials of deleted batches count as well (DeletedDials).
                                   SELECT d.claimed_at FROM deleted_dials d
                                   WHERE d.workspace_id = :workspaceId AND d.agent_id = :agentId
                                     AND d.claimed_at > :windowStart) c ON true
                        WHERE g.workspace_id = :workspaceId AND g.id = :agentId AND g.daily_limit IS NOT NULL
                        GROUP BY g.daily_limit""")
                .bind("workspaceId", workspace.value())
                .bind("agentId", agentId)
                .bind("windowStart", Rows.at(windowStart))
                .map((rs, ctx) -> {
                    int limit = rs.getInt("daily_limit");
                    int claimed = rs.getInt("claimed");
                    // The limit-th newest call: once it leaves the window, one more call fits.
                    var next = claimed >= limit
                            ? Rows.optionalInstant(rs, "limiting").map(at -> at.plus(Agent.DAILY_WINDOW))
                            : Optional.<java.time.Instant>empty();
                    return new DailyUsage(limit, claimed, next);
                })
                .findOne();
    }

    /** A live agent of the workspace. */
    public Optional<Agent> find(WorkspaceId workspace, String agentId) {
        return jdbi.withHandle(handle -> find(handle, workspace, agentId, ""));
    }

    /** Creates an agent and, when a number is given, assigns that number to it, in one transaction. */
    public Agent create(WorkspaceId workspace, NewAgent agent, Optional<String> phoneNumberId) {
        return jdbi.inTransaction(handle -> {
            var now = clock.instant();
            var created = handle.createQuery("""
                            INSERT INTO agents (workspace_id, id, name, conversation_config, tags, concurrency_limit,
                                                media_stream_url, sip_uri, created_at, updated_at, platform_settings,
                                                daily_limit, bursting_enabled)
                            VALUES (:workspaceId, :id, :name, CAST(:conversationConfig AS jsonb), CAST(:tags AS jsonb),
                                    :concurrencyLimit, :mediaStreamUrl, :sipUri, :now, :now,
                                    CAST(:platformSettings AS jsonb), :dailyLimit, :bursting)
                            RETURNING\s""" + COLUMNS)
                    .bind("workspaceId", workspace.value())
                    .bind("id", ids.next(Agent.ID_PREFIX))
                    .bind("name", agent.name())
                    .bind("conversationConfig", agent.conversationConfigJson())
                    .bind("tags", agent.tagsJson())
                    .bind("concurrencyLimit", agent.concurrencyLimit().orElse(null))
                    .bind("mediaStreamUrl", agent.mediaStreamUrl().orElse(null))
                    .bind("sipUri", agent.sipUri().orElse(null))
                    .bind("platformSettings", agent.platformSettingsJson())
                    .bind("dailyLimit", agent.dailyLimit().orElse(null))
                    .bind("bursting", agent.burstingEnabled())
                    .bind("now", Rows.at(now))
                    .map(AgentStore::agent)
                    .one();
            phoneNumberId.ifPresent(number -> PhoneNumberStore.assign(handle, workspace, number, created.id(), now));
            return created;
        });
    }

    /** Applies a PATCH in one transaction, number assignment included; empty when there is no such live agent. */
    public Optional<Agent> update(WorkspaceId workspace, String agentId, Changes changes) {
        return jdbi.inTransaction(handle -> {
            if (find(handle, workspace, agentId, "FOR NO KEY UPDATE").isEmpty()) {
                return Optional.empty();
            }
            var now = clock.instant();
            switch (changes.phoneNumberId()) {
                case Change.SetTo<String>(var number) ->
                    PhoneNumberStore.assign(handle, workspace, number, agentId, now);
                case Change.Clear<String>() -> PhoneNumberStore.unassignAll(handle, workspace, agentId, now);
                case Change.Keep<String>() -> {}
            }
            return Optional.of(handle.createQuery("""
                            UPDATE agents
                            SET name = coalesce(:name, name),
                                conversation_config = coalesce(CAST(:conversationConfig AS jsonb), conversation_config),
                                tags = coalesce(CAST(:tags AS jsonb), tags),
                                concurrency_limit = CASE WHEN :changeLimit THEN :concurrencyLimit ELSE concurrency_limit END,
                                media_stream_url = CASE WHEN :changeUrl THEN :mediaStreamUrl ELSE media_stream_url END,
                                sip_uri = CASE WHEN :changeSipUri THEN :sipUri ELSE sip_uri END,
                                platform_settings = platform_settings
                                    || coalesce(CAST(:platformSettings AS jsonb), '{}'::jsonb),
                                daily_limit = CASE WHEN :changeDailyLimit THEN :dailyLimit ELSE daily_limit END,
                                bursting_enabled = coalesce(:bursting, bursting_enabled),
                                updated_at = :now
                            WHERE workspace_id = :workspaceId AND id = :id AND deleted_at IS NULL
                            RETURNING\s""" + COLUMNS)
                    .bind("workspaceId", workspace.value())
                    .bind("id", agentId)
                    .bind("name", changes.name().orElse(null))
                    .bind("conversationConfig", changes.conversationConfigJson().orElse(null))
                    .bind("tags", changes.tagsJson().orElse(null))
                    .bind("changeLimit", changes.concurrencyLimit().changes())
                    .bind("concurrencyLimit", changes.concurrencyLimit().newValueOrNull())
                    .bind("changeUrl", changes.mediaStreamUrl().changes())
                    .bind("mediaStreamUrl", changes.mediaStreamUrl().newValueOrNull())
                    .bind("changeSipUri", changes.sipUri().changes())
                    .bind("sipUri", changes.sipUri().newValueOrNull())
                    .bind("platformSettings", changes.platformSettingsJson().orElse(null))
                    .bind("changeDailyLimit", changes.dailyLimit().changes())
                    .bind("dailyLimit", changes.dailyLimit().newValueOrNull())
                    .bind("bursting", changes.burstingEnabled().orElse(null))
                    .bind("now", Rows.at(now))
                    .map(AgentStore::agent)
                    .one());
        });
    }

    /**
     * Soft-deletes an agent and unassigns its numbers, unless a pending or in-progress batch still calls for it.
     * The agent row is locked first, so the check and the delete see the same batches.
     */
    public Deletion delete(WorkspaceId workspace, String agentId) {
        return jdbi.inTransaction(handle -> {
            if (find(handle, workspace, agentId, "FOR NO KEY UPDATE").isEmpty()) {
                return Deletion.NOT_FOUND;
            }
            boolean active = handle.createQuery("""
                            SELECT EXISTS (SELECT 1 FROM batches
                                           WHERE workspace_id = :workspaceId AND agent_id = :id
                                             AND status IN ('pending', 'in_progress'))""")
                    .bind("workspaceId", workspace.value())
                    .bind("id", agentId)
                    .mapTo(Boolean.class)
                    .one();
            if (active) {
                return Deletion.IN_USE_BY_ACTIVE_BATCH;
            }
            var now = clock.instant();
            handle.createUpdate("""
                            UPDATE agents SET deleted_at = :now, updated_at = :now
                            WHERE workspace_id = :workspaceId AND id = :id AND deleted_at IS NULL""")
                    .bind("workspaceId", workspace.value())
                    .bind("id", agentId)
                    .bind("now", Rows.at(now))
                    .execute();
            PhoneNumberStore.unassignAll(handle, workspace, agentId, now);
            return Deletion.DELETED;
        });
    }

    /** Live agents, newest first, whose name contains {@code search} (ignoring case). */
    public Page<Agent> list(WorkspaceId workspace, Optional<String> search, Optional<Keyset> after, int limit) {
        var rows = jdbi.withHandle(handle -> handle.createQuery("SELECT " + COLUMNS + """
                         FROM agents
                        WHERE workspace_id = :workspaceId AND deleted_at IS NULL
                          AND (CAST(:pattern AS text) IS NULL OR name ILIKE :pattern ESCAPE '\\')
                          AND (CAST(:afterAt AS timestamptz) IS NULL OR (created_at, id) < (:afterAt, :afterId))
                        ORDER BY created_at DESC, id DESC
                        LIMIT :limit""")
                .bind("workspaceId", workspace.value())
                .bind(
                        "pattern",
                        search.map(s -> "%" + s.replaceAll("([\\\\%_])", "\\\\$1") + "%")
                                .orElse(null))
                .bind("afterAt", Rows.at(after.map(Keyset::at).orElse(null)))
                .bind("afterId", after.map(Keyset::id).orElse(null))
                .bind("limit", limit + 1)
                .map(AgentStore::agent)
                .list());
        return Page.of(rows, limit, agent -> new Keyset(agent.createdAt(), agent.id()));
    }

    /** The names of the given live agents, by id; ids of missing or deleted agents are left out. */
    public Map<String, String> names(WorkspaceId workspace, Collection<String> agentIds) {
        if (agentIds.isEmpty()) {
            return Map.of();
        }
        return jdbi.withHandle(handle -> handle
                .createQuery("""
                        SELECT id, name FROM agents
                        WHERE workspace_id = :workspaceId AND id = ANY(:ids) AND deleted_at IS NULL""")
                .bind("workspaceId", workspace.value())
                .bindArray("ids", String.class, agentIds)
                .map((rs, ctx) -> Map.entry(rs.getString("id"), rs.getString("name")))
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    }

    private static Optional<Agent> find(Handle handle, WorkspaceId workspace, String agentId, String lock) {
        return handle.createQuery("SELECT " + COLUMNS + """
                         FROM agents WHERE workspace_id = :workspaceId AND id = :id AND deleted_at IS NULL\s""" + lock)
                .bind("workspaceId", workspace.value())
                .bind("id", agentId)
                .map(AgentStore::agent)
                .findOne();
    }

    static Agent agent(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Agent(
                new WorkspaceId(rs.getString("workspace_id")),
                rs.getString("id"),
                rs.getString("name"),
                rs.getString("conversation_config"),
                rs.getString("tags"),
                Optional.ofNullable((Integer) rs.getObject("concurrency_limit")),
                Rows.optionalText(rs, "media_stream_url"),
                Rows.optionalText(rs, "sip_uri"),
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "updated_at"),
                rs.getString("platform_settings"),
                Optional.ofNullable((Integer) rs.getObject("daily_limit")),
                rs.getBoolean("bursting_enabled"));
    }
}
