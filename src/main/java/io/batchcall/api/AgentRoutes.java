package io.batchcall.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchcall.domain.Agent;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.AgentStore;
import io.batchcall.store.PhoneNumberStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code /v1/convai/agents}: the agents batches call for, with our extension fields for how calls reach them. */
public final class AgentRoutes implements RouteGroup {
    private static final String PATH = "/v1/convai/agents";
    private static final TypeReference<List<String>> TAGS = new TypeReference<>() {};

    private final AgentStore agents;
    private final PhoneNumberStore phoneNumbers;
    private final EgressPolicy egress;

    public AgentRoutes(AgentStore agents, PhoneNumberStore phoneNumbers, EgressPolicy egress) {
        this.agents = agents;
        this.phoneNumbers = phoneNumbers;
        this.egress = egress;
    }

    record CreatedResponse(String agentId) {}

    record AccessInfo(boolean isCreator, String creatorName, String creatorEmail, String role) {}

    /** The SDK requires voice_id as a string: the agent's TTS voice, or "" when its config names none. */
    record AgentSummary(
            String agentId,
            String name,
            String voiceId,
            List<String> tags,
            long createdAtUnixSecs,
            Long lastCallTimeUnixSecs,
            boolean archived,
            AccessInfo accessInfo) {}

    record AgentPage(List<AgentSummary> agents, String nextCursor, boolean hasMore) {}

    @Override
    public void register(RoutesConfig routes) {
        routes.post(PATH + "/create", this::create);
        routes.get(PATH, this::list);
        routes.get(PATH + "/{agent_id}", this::get);
        routes.patch(PATH + "/{agent_id}", this::update);
        routes.delete(PATH + "/{agent_id}", this::delete);
    }

    private void create(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var request = AgentRequests.create(JsonBody.of(ctx), egress);
        request.phoneNumberId().ifPresent(id -> requirePhoneNumber(workspace, id));
        ctx.json(new CreatedResponse(agents.create(workspace, request.agent(), request.phoneNumberId())
                .id()));
    }

    private void list(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var page = PageQuery.of(ctx);
        var found = agents.list(workspace.id(), PageQuery.filter(ctx, "search"), page.after(), page.pageSize());
        var access = new AccessInfo(true, workspace.name(), "", "admin");
        ctx.json(new AgentPage(
                found.items().stream().map(agent -> summary(agent, access)).toList(),
                found.next().map(PageQuery::encode).orElse(null),
                found.next().isPresent()));
    }

    private void get(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        ctx.json(response(workspace, find(workspace, ctx)));
    }

    private void update(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var agentId = find(workspace, ctx).id();
        var changes = AgentRequests.update(JsonBody.of(ctx), egress);
        changes.phoneNumberId().setValue().ifPresent(id -> requirePhoneNumber(workspace, id));
        var updated = agents.update(workspace, agentId, changes).orElseThrow(AgentRoutes::agentNotFound);
        ctx.json(response(workspace, updated));
    }

    private void delete(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        switch (agents.delete(workspace, ctx.pathParam("agent_id"))) {
            case DELETED -> ctx.json(Map.of());
            case NOT_FOUND -> throw agentNotFound();
            case IN_USE_BY_ACTIVE_BATCH ->
                throw ApiException.conflict(
                        "agent_has_active_batches",
                        "A pending or in-progress batch calls for this agent; cancel it or let it finish first");
        }
    }

    private ObjectNode response(WorkspaceId workspace, Agent agent) {
        var shown = Json.MAPPER.createObjectNode();
        shown.put("agent_id", agent.id());
        shown.put("name", agent.name());
        shown.set("conversation_config", parse(agent.conversationConfigJson()));
        var metadata = shown.putObject("metadata");
        metadata.put("created_at_unix_secs", agent.createdAt().getEpochSecond());
        metadata.put("updated_at_unix_secs", agent.updatedAt().getEpochSecond());
        shown.set("platform_settings", platformSettings(agent));
        shown.set("tags", parse(agent.tagsJson()));
        // WhatsApp accounts are listed apart, as ElevenLabs does (GET /v1/convai/whatsapp-accounts?agent_id=).
        var numbers = phoneNumbers.list(workspace, Optional.empty(), Optional.of(agent.id())).stream()
                .filter(PhoneNumberRoutes::isPhoneNumber)
                .toList();
        shown.set("phone_numbers", Json.MAPPER.valueToTree(PhoneNumberRoutes.render(workspace, numbers, agents)));
        shown.set(
                "concurrency_limit",
                Json.MAPPER.valueToTree(agent.concurrencyLimit().orElse(null)));
        shown.put(
                "phone_number_id",
                phoneNumbers
                        .assignedTo(workspace, agent.id(), false)
                        .map(PhoneNumber::id)
                        .orElse(null));
        shown.put("media_stream_url", agent.mediaStreamUrl().orElse(null));
        shown.put("sip_uri", agent.sipUri().orElse(null));
        // Our extension: where the agent stands against its daily_limit, so that a batch held by it says why.
        shown.set(
                "daily_usage",
                agents.dailyUsage(workspace, agent.id())
                        .<JsonNode>map(usage -> {
                            var node = Json.MAPPER.createObjectNode();
                            node.put("daily_limit", usage.limit());
                            node.put("calls_in_last_24h", usage.claimed());
                            node.put("limit_reached", usage.reached());
                            node.put(
                                    "next_call_allowed_at_unix",
                                    usage.nextCallAllowedAt()
                                            .map(at -> at.getEpochSecond())
                                            .orElse(null));
                            return node;
                        })
                        .orElse(null));
        return shown;
    }

    /**
     * The platform settings as given, with {@code call_limits} as enforced: {@code agent_concurrency_limit} -1
     * for none, {@code daily_limit} only when set, {@code bursting_enabled} as stored (it has no effect here).
     */
    private static ObjectNode platformSettings(Agent agent) {
        var settings = parse(agent.platformSettingsJson()).deepCopy();
        var node = settings instanceof ObjectNode object ? object : Json.MAPPER.createObjectNode();
        var limits = node.putObject("call_limits");
        limits.put("agent_concurrency_limit", agent.concurrencyLimit().orElse(-1));
        agent.dailyLimit().ifPresent(limit -> limits.put("daily_limit", limit));
        limits.put("bursting_enabled", agent.burstingEnabled());
        return node;
    }

    private static AgentSummary summary(Agent agent, AccessInfo access) {
        List<String> tags = Json.MAPPER.convertValue(parse(agent.tagsJson()), TAGS);
        var voice = parse(agent.conversationConfigJson()).at("/tts/voice_id");
        return new AgentSummary(
                agent.id(),
                agent.name(),
                voice.isTextual() ? voice.textValue() : "",
                tags,
                agent.createdAt().getEpochSecond(),
                null,
                false,
                access);
    }

    private Agent find(WorkspaceId workspace, Context ctx) {
        return agents.find(workspace, ctx.pathParam("agent_id")).orElseThrow(AgentRoutes::agentNotFound);
    }

    private void requirePhoneNumber(WorkspaceId workspace, String phoneNumberId) {
        if (phoneNumbers.find(workspace, phoneNumberId).isEmpty()) {
            throw PhoneNumberRoutes.notFound();
        }
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("agents keep their JSON fields as jsonb", e);
        }
    }

    static ApiException agentNotFound() {
        return ApiException.notFound("agent_not_found", "No agent with that id in this workspace");
    }
}
