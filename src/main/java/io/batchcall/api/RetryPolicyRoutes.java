package io.batchcall.api;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.batchcall.domain.RetryPolicy;
import io.batchcall.store.AgentStore;
import io.batchcall.store.RetryPolicyDefaults;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.Optional;

/**
 * Our extension: the default retry policies, for batches whose submit names none (the official SDK strips
 * {@code retry_policy}): {@code GET/PUT/DELETE /v1/batchcall/workspace/retry-policy} and
 * {@code /v1/batchcall/agents/{agent_id}/retry-policy}. PUT's body is the policy; every answer is
 * {@code {"retry_policy": policy | null}}. Setting a value is idempotent by nature.
 */
public final class RetryPolicyRoutes implements RouteGroup {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RetryPolicyRoutes.class);
    static final String WORKSPACE_PATH = "/v1/batchcall/workspace/retry-policy";
    static final String AGENT_PATH = "/v1/batchcall/agents/{agent_id}/retry-policy";

    record RetryPolicyResponse(@JsonRawValue String retryPolicy) {}

    private final RetryPolicyDefaults defaults;
    private final AgentStore agents;
    private final Clock clock;

    public RetryPolicyRoutes(RetryPolicyDefaults defaults, AgentStore agents, Clock clock) {
        this.defaults = defaults;
        this.agents = agents;
        this.clock = clock;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get(WORKSPACE_PATH, this::workspace);
        routes.put(WORKSPACE_PATH, ctx -> {
            var workspace = Authentication.workspace(ctx);
            defaults.setWorkspace(workspace.id(), Optional.of(read(ctx).toJson()));
            log.info("Workspace retry policy set workspaceId={}", workspace.id());
            workspace(ctx);
        });
        routes.delete(WORKSPACE_PATH, ctx -> {
            var workspace = Authentication.workspace(ctx);
            defaults.setWorkspace(workspace.id(), Optional.empty());
            workspace(ctx);
        });
        routes.get(AGENT_PATH, this::agent);
        routes.put(AGENT_PATH, ctx -> {
            var workspace = Authentication.workspace(ctx);
            var agentId = existingAgent(ctx);
            defaults.setAgent(workspace.id(), agentId, Optional.of(read(ctx).toJson()));
            log.info("Agent retry policy set workspaceId={} agentId={}", workspace.id(), agentId);
            agent(ctx);
        });
        routes.delete(AGENT_PATH, ctx -> {
            var workspace = Authentication.workspace(ctx);
            defaults.setAgent(workspace.id(), existingAgent(ctx), Optional.empty());
            agent(ctx);
        });
    }

    private RetryPolicy read(Context ctx) {
        var body = JsonBody.of(ctx);
        var policy = RetryPolicyRequest.read(body, clock.instant());
        body.throwIfInvalid();
        return policy.orElseThrow();
    }

    private void workspace(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        ctx.json(new RetryPolicyResponse(defaults.workspace(workspace.id()).orElse(null)));
    }

    private void agent(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        ctx.json(new RetryPolicyResponse(
                defaults.agent(workspace.id(), existingAgent(ctx)).orElse(null)));
    }

    private String existingAgent(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        return agents.find(workspace.id(), ctx.pathParam("agent_id"))
                .orElseThrow(AgentRoutes::agentNotFound)
                .id();
    }
}
