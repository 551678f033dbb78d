package io.batchcall.api;

import io.batchcall.domain.ApiKey;
import io.batchcall.domain.ApiKeySecret;
import io.batchcall.domain.IdSource;
import io.batchcall.domain.Workspace;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.ApiKeyStore;
import io.batchcall.store.WorkspaceStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The operator's API under {@code /admin/v1}: workspaces and their keys. It exists only when an admin token is
 * configured; otherwise every admin path answers 404, as if there were no such API.
 */
public final class AdminRoutes implements RouteGroup {
    private static final int MAX_CONCURRENCY_LIMIT = 100_000;
    private static final String BEARER = "Bearer ";

    private final Optional<byte[]> adminTokenHash;
    private final WorkspaceStore workspaces;
    private final ApiKeyStore keys;
    private final IdSource ids;

    public AdminRoutes(Optional<String> adminToken, WorkspaceStore workspaces, ApiKeyStore keys, IdSource ids) {
        this.adminTokenHash = adminToken.map(AdminRoutes::sha256);
        this.workspaces = workspaces;
        this.keys = keys;
        this.ids = ids;
    }

    record ApiKeyResponse(String keyId, String prefix, long createdAtUnix, Long lastUsedAtUnix, Long revokedAtUnix) {
        static ApiKeyResponse of(ApiKey key) {
            return new ApiKeyResponse(
                    key.id(),
                    key.prefix(),
                    key.createdAt().getEpochSecond(),
                    key.lastUsedAt().map(Instant::getEpochSecond).orElse(null),
                    key.revokedAt().map(Instant::getEpochSecond).orElse(null));
        }
    }

    record WorkspaceResponse(
            String workspaceId, String name, int concurrencyLimit, long createdAtUnix, List<ApiKeyResponse> apiKeys) {}

    record WorkspaceListResponse(List<WorkspaceResponse> workspaces) {}

    record CreatedWorkspaceResponse(
            String workspaceId, String name, int concurrencyLimit, String apiKey, String apiKeyId) {}

    record CreatedApiKeyResponse(String keyId, String apiKey, String prefix, long createdAtUnix) {}

    @Override
    public void register(RoutesConfig routes) {
        routes.before("/admin/*", this::authorize);
        routes.post("/admin/v1/workspaces", this::createWorkspace);
        routes.get("/admin/v1/workspaces", this::listWorkspaces);
        routes.get("/admin/v1/workspaces/{workspace_id}", this::getWorkspace);
        routes.patch("/admin/v1/workspaces/{workspace_id}", this::updateWorkspace);
        routes.post("/admin/v1/workspaces/{workspace_id}/api-keys", this::issueKey);
        routes.delete("/admin/v1/workspaces/{workspace_id}/api-keys/{key_id}", this::revokeKey);
    }

    private void authorize(Context ctx) {
        if (adminTokenHash.isEmpty()) {
            throw ApiException.notFound("not_found", "No route " + ctx.method() + " " + ctx.path());
        }
        var authorization = ctx.header("Authorization");
        var presented = authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? authorization.substring(BEARER.length()).strip()
                : "";
        // Both sides hashed first: equal lengths, so the comparison time says nothing about the token.
        if (!MessageDigest.isEqual(sha256(presented), adminTokenHash.get())) {
            throw new ApiException(
                    401, "invalid_admin_token", "The admin API needs Authorization: Bearer <BATCHCALL_ADMIN_TOKEN>");
        }
    }

    private void createWorkspace(Context ctx) {
        var body = JsonBody.of(ctx);
        var name = body.requiredNonBlankText("name");
        checkNameLength(body, Optional.of(name));
        var limit = body.optionalInt("concurrency_limit");
        checkLimit(body, limit);
        body.throwIfInvalid();
        var key = ApiKeySecret.generate(ids);
        var created = workspaces.createWithApiKey(name, limit.orElse(Workspace.DEFAULT_CONCURRENCY_LIMIT), key);
        var workspace = created.workspace();
        ctx.status(201)
                .json(new CreatedWorkspaceResponse(
                        workspace.id().value(),
                        workspace.name(),
                        workspace.concurrencyLimit(),
                        key.value(),
                        created.apiKey().id()));
    }

    private void listWorkspaces(Context ctx) {
        var all = workspaces.list();
        var keysByWorkspace = workspaces
                .apiKeysOf(all.stream().map(Workspace::id).toList())
                .stream()
                .collect(Collectors.groupingBy(ApiKey::workspaceId));
        ctx.json(new WorkspaceListResponse(all.stream()
                .map(w -> response(w, keysByWorkspace.getOrDefault(w.id(), List.of())))
                .toList()));
    }

    private void getWorkspace(Context ctx) {
        var workspace = workspaces.find(workspaceId(ctx)).orElseThrow(AdminRoutes::workspaceNotFound);
        ctx.json(response(workspace, workspaces.apiKeysOf(List.of(workspace.id()))));
    }

    private void updateWorkspace(Context ctx) {
        var id = workspaceId(ctx);
        var body = JsonBody.of(ctx);
        Optional<String> name = body.has("name") ? Optional.of(body.requiredNonBlankText("name")) : Optional.empty();
        checkNameLength(body, name);
        Optional<Integer> limit = Optional.empty();
        if (body.has("concurrency_limit")) {
            if (body.raw("concurrency_limit").isEmpty()) {
                body.violate("concurrency_limit", "Input should be a valid integer", "int_type");
            }
            limit = body.optionalInt("concurrency_limit");
            checkLimit(body, limit);
        }
        body.throwIfInvalid();
        var workspace = workspaces.update(id, name, limit).orElseThrow(AdminRoutes::workspaceNotFound);
        ctx.json(response(workspace, workspaces.apiKeysOf(List.of(workspace.id()))));
    }

    private void issueKey(Context ctx) {
        var key = ApiKeySecret.generate(ids);
        var issued = keys.issue(workspaceId(ctx), key).orElseThrow(AdminRoutes::workspaceNotFound);
        ctx.status(201)
                .json(new CreatedApiKeyResponse(
                        issued.id(),
                        key.value(),
                        issued.prefix(),
                        issued.createdAt().getEpochSecond()));
    }

    private void revokeKey(Context ctx) {
        if (!keys.revoke(workspaceId(ctx), ctx.pathParam("key_id"))) {
            throw ApiException.notFound("api_key_not_found", "No live API key with that id in this workspace");
        }
        ctx.status(204);
    }

    private static void checkNameLength(JsonBody body, Optional<String> name) {
        name.filter(n -> n.length() > Workspace.MAX_NAME_LENGTH)
                .ifPresent(n -> body.violate(
                        "name",
                        "String should have at most " + Workspace.MAX_NAME_LENGTH + " characters",
                        "string_too_long"));
    }

    private static void checkLimit(JsonBody body, Optional<Integer> limit) {
        body.atLeast("concurrency_limit", limit, 1);
        body.atMost("concurrency_limit", limit, MAX_CONCURRENCY_LIMIT);
    }

    private static WorkspaceResponse response(Workspace workspace, List<ApiKey> keys) {
        return new WorkspaceResponse(
                workspace.id().value(),
                workspace.name(),
                workspace.concurrencyLimit(),
                workspace.createdAt().getEpochSecond(),
                keys.stream().map(ApiKeyResponse::of).toList());
    }

    private static WorkspaceId workspaceId(Context ctx) {
        return new WorkspaceId(ctx.pathParam("workspace_id"));
    }

    private static ApiException workspaceNotFound() {
        return ApiException.notFound("workspace_not_found", "No workspace with that id");
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
