package io.batchcall.api;

import io.batchcall.store.WorkspaceStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * Our extension {@code GET /v1/batchcall/workspace}: which workspace an API key belongs to, so that a script or
 * the dashboard can check a key and show where it is working; and {@code PATCH} of its {@code dispatch_paused},
 * the emergency stop for every batch of the workspace.
 */
public final class WorkspaceRoutes implements RouteGroup {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WorkspaceRoutes.class);

    record WorkspaceResponse(String workspaceId, String name, int concurrencyLimit, boolean dispatchPaused) {}

    private final WorkspaceStore workspaces;

    public WorkspaceRoutes(WorkspaceStore workspaces) {
        this.workspaces = workspaces;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/v1/batchcall/workspace", this::current);
        routes.patch("/v1/batchcall/workspace", this::update);
    }

    private void current(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        ctx.json(new WorkspaceResponse(
                workspace.id().value(),
                workspace.name(),
                workspace.concurrencyLimit(),
                workspaces.dispatchPaused(workspace.id())));
    }

    /**
     * Sets {@code dispatch_paused}. Setting a value is idempotent by nature, so an Idempotency-Key adds nothing
     * here; it is accepted and ignored.
     */
    private void update(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        var body = JsonBody.of(ctx);
        var fields = new java.util.ArrayList<String>();
        body.node().fieldNames().forEachRemaining(fields::add);
        fields.stream()
                .filter(f -> !f.equals("dispatch_paused"))
                .forEach(f -> body.violate(f, "Extra inputs are not permitted", "extra_forbidden"));
        var paused = body.optionalBoolean("dispatch_paused");
        if (paused.isEmpty() && body.valid()) {
            body.violate("dispatch_paused", "Field required", "missing");
        }
        body.throwIfInvalid();
        workspaces.setDispatchPaused(workspace.id(), paused.orElseThrow());
        log.info("Workspace dispatch {} workspaceId={}", paused.get() ? "paused" : "resumed", workspace.id());
        current(ctx);
    }
}
