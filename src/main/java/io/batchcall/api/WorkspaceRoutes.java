package io.batchcall.api;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * Our extension {@code GET /v1/batchcall/workspace}: which workspace an API key belongs to, so that a script or
 * the dashboard can check a key and show where it is working.
 */
public final class WorkspaceRoutes implements RouteGroup {

    record WorkspaceResponse(String workspaceId, String name, int concurrencyLimit) {}

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/v1/batchcall/workspace", WorkspaceRoutes::current);
    }

    private static void current(Context ctx) {
        var workspace = Authentication.workspace(ctx);
        ctx.json(new WorkspaceResponse(workspace.id().value(), workspace.name(), workspace.concurrencyLimit()));
    }
}
