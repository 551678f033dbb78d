package io.batchcall.api;

import io.batchcall.domain.ApiKeySecret;
import io.batchcall.domain.Workspace;
import io.batchcall.store.ApiKeyStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * Every {@code /v1/...} request carries an API key ({@code xi-api-key}, or {@code Authorization: Bearer}); the key
 * decides the workspace, and so which objects exist for that request. The 401 bodies are ElevenLabs' own.
 */
public final class Authentication implements RouteGroup {
    private static final String WORKSPACE_ATTRIBUTE = "batchcall.workspace";
    private static final String BEARER = "Bearer ";

    private final ApiKeyStore keys;

    public Authentication(ApiKeyStore keys) {
        this.keys = keys;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.before("/v1/*", this::authenticate);
    }

    private void authenticate(Context ctx) {
        var presented = presentedKey(ctx);
        if (presented == null) {
            throw new ApiException(401, "needs_authorization",
                    "Neither authorization header nor xi-api-key received, please provide one.");
        }
        var workspace = keys.authenticate(new ApiKeySecret(presented))
                .orElseThrow(() -> new ApiException(401, "invalid_api_key", "Invalid API key"));
        ctx.attribute(WORKSPACE_ATTRIBUTE, workspace);
    }

    private static String presentedKey(Context ctx) {
        var header = ctx.header("xi-api-key");
        if (header != null && !header.isBlank()) {
            return header.strip();
        }
        var authorization = ctx.header("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            var token = authorization.substring(BEARER.length()).strip();
            return token.isEmpty() ? null : token;
        }
        return null;
    }

    /** The workspace of the authenticated request; only valid under {@code /v1/}. */
    public static Workspace workspace(Context ctx) {
        Workspace workspace = ctx.attribute(WORKSPACE_ATTRIBUTE);
        if (workspace == null) {
            throw new IllegalStateException("workspace asked for outside an authenticated route: " + ctx.path());
        }
        return workspace;
    }
}
