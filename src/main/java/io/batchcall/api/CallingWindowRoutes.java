package io.batchcall.api;

import io.batchcall.domain.CallingWindow.JurisdictionRules;
import io.batchcall.store.CallingWindowDefaults;
import io.batchcall.wire.CallingWindowJson;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Our extension: default calling windows, for callers whose SDK strips {@code calling_window} from submits.
 * {@code /v1/batchcall/workspace/calling-window} (with the workspace's {@code jurisdiction_rules}) and
 * {@code /v1/batchcall/agents/{agent_id}/calling-window}: GET, PUT (the window, bare or as
 * {@code {"calling_window": ...}}), DELETE. A submit without its own window takes the agent's, else the workspace's.
 */
public final class CallingWindowRoutes implements RouteGroup {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CallingWindowRoutes.class);
    private static final String WORKSPACE = "/v1/batchcall/workspace/calling-window";
    private static final String AGENT = "/v1/batchcall/agents/{agent_id}/calling-window";
    private static final List<String> RULES = Stream.of(JurisdictionRules.values())
            .map(JurisdictionRules::wireName)
            .toList();

    private final CallingWindowDefaults defaults;

    public CallingWindowRoutes(CallingWindowDefaults defaults) {
        this.defaults = defaults;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get(WORKSPACE, this::workspace);
        routes.put(WORKSPACE, this::putWorkspace);
        routes.delete(WORKSPACE, this::deleteWorkspace);
        routes.get(AGENT, this::agent);
        routes.put(AGENT, this::putAgent);
        routes.delete(AGENT, this::deleteAgent);
    }

    private void workspace(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var current = defaults.workspace(workspace.id());
        var body = new LinkedHashMap<String, Object>();
        body.put(
                "calling_window",
                current.callingWindow().map(CallingWindowRequests::shown).orElse(null));
        body.put("jurisdiction_rules", current.jurisdictionRules());
        ctx.json(body);
    }

    private void putWorkspace(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var body = JsonBody.of(ctx);
        Optional<Optional<String>> window;
        Optional<String> rules = Optional.empty();
        if (wrapped(body)) {
            extraKeys(body, List.of("calling_window", "jurisdiction_rules"));
            window = body.has("calling_window")
                    ? Optional.of(
                            CallingWindowRequests.read(body, "calling_window").map(CallingWindowJson::write))
                    : Optional.empty();
            rules = body.optionalEnum("jurisdiction_rules", RULES);
        } else {
            window = Optional.of(
                    CallingWindowRequests.read(body, List.of(), body.node()).map(CallingWindowJson::write));
        }
        body.throwIfInvalid();
        defaults.setWorkspace(workspace.id(), window, rules);
        log.info("Workspace calling window set workspaceId={}", workspace.id());
        workspace(ctx);
    }

    private void deleteWorkspace(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        defaults.setWorkspace(workspace.id(), Optional.of(Optional.empty()), Optional.empty());
        workspace(ctx);
    }

    private void agent(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var agentId = ctx.pathParam("agent_id");
        var window = defaults.agent(workspace.id(), agentId).orElseThrow(() -> agentNotFound(agentId));
        var body = new LinkedHashMap<String, Object>();
        body.put("calling_window", window.map(CallingWindowRequests::shown).orElse(null));
        ctx.json(body);
    }

    private void putAgent(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var agentId = ctx.pathParam("agent_id");
        var body = JsonBody.of(ctx);
        Optional<String> window;
        if (wrapped(body)) {
            extraKeys(body, List.of("calling_window"));
            window = CallingWindowRequests.read(body, "calling_window").map(CallingWindowJson::write);
        } else {
            window = CallingWindowRequests.read(body, List.of(), body.node()).map(CallingWindowJson::write);
        }
        body.throwIfInvalid();
        if (!defaults.setAgent(workspace.id(), agentId, window)) {
            throw agentNotFound(agentId);
        }
        agent(ctx);
    }

    private void deleteAgent(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var agentId = ctx.pathParam("agent_id");
        if (!defaults.setAgent(workspace.id(), agentId, Optional.empty())) {
            throw agentNotFound(agentId);
        }
        agent(ctx);
    }

    /** A body naming {@code calling_window} or {@code jurisdiction_rules} wraps the window; else it is the window. */
    private static boolean wrapped(JsonBody body) {
        return body.has("calling_window") || body.has("jurisdiction_rules");
    }

    private static void extraKeys(JsonBody body, List<String> allowed) {
        var fields = new java.util.ArrayList<String>();
        body.node().fieldNames().forEachRemaining(fields::add);
        fields.stream()
                .filter(f -> !allowed.contains(f))
                .forEach(f -> body.violate(f, "Extra inputs are not permitted", "extra_forbidden"));
    }

    private static ApiException agentNotFound(String agentId) {
        return ApiException.notFound("agent_not_found", "No agent with id " + agentId + " in this workspace");
    }
}
