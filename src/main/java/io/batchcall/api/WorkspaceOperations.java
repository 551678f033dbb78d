package io.batchcall.api;

import java.util.List;

/**
 * Our operations on the service itself, a workspace's settings (emergency stop, calling windows, frequency caps,
 * retry policies) and the admin API, as {@link OpenApiDocument} lists them.
 */
final class WorkspaceOperations {
    private WorkspaceOperations() {}

    /** Health, readiness, metrics, this document, and the workspace's and agents' settings. */
    static final List<OpenApiOperation> SERVICE_AND_SETTINGS = List.of(
            new OpenApiOperation(
                    "get",
                    "/health",
                    "Operations",
                    "Liveness: 200 while the process serves HTTP, with this build's version",
                    false,
                    "{\"status\":\"ok\",\"version\":\"0.1.0\"}"),
            new OpenApiOperation(
                    "get",
                    "/ready",
                    "Operations",
                    "Readiness: the database answers and is fully migrated",
                    false,
                    "{\"status\":\"ready\"}"),
            new OpenApiOperation("get", "/metrics", "Operations", "Prometheus metrics (text format)", false, "text"),
            new OpenApiOperation("get", "/openapi.json", "Operations", "This document", false, "object"),
            new OpenApiOperation(
                    "get",
                    "/v1/batchcall/workspace",
                    "Workspace",
                    "The workspace an API key belongs to",
                    true,
                    "object"),
            new OpenApiOperation(
                    "patch",
                    "/v1/batchcall/workspace",
                    "Workspace",
                    "Set dispatch_paused (boolean): the"
                            + " workspace's emergency stop; while true no batch of the workspace dials",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get",
                    "/v1/batchcall/workspace/calling-window",
                    "Calling windows",
                    "The workspace's default calling window (or null) and its jurisdiction_rules"
                            + " (enforce|warn|off)",
                    true,
                    "{\"calling_window\":null,\"jurisdiction_rules\":\"enforce\"}"),
            new OpenApiOperation(
                    "put",
                    "/v1/batchcall/workspace/calling-window",
                    "Calling windows",
                    "Set the default window and/or jurisdiction_rules: {calling_window, jurisdiction_rules}, or the"
                            + " window object itself",
                    true,
                    "object"),
            new OpenApiOperation(
                    "delete",
                    "/v1/batchcall/workspace/calling-window",
                    "Calling windows",
                    "Remove the workspace's default window (jurisdiction_rules stay)",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get",
                    "/v1/batchcall/agents/{agent_id}/calling-window",
                    "Calling windows",
                    "The agent's default calling window (or null); it wins over the workspace's",
                    true,
                    "{\"calling_window\":null}"),
            new OpenApiOperation(
                    "put",
                    "/v1/batchcall/agents/{agent_id}/calling-window",
                    "Calling windows",
                    "Set the agent's default window: {calling_window} or the window object itself",
                    true,
                    "object"),
            new OpenApiOperation(
                    "delete",
                    "/v1/batchcall/agents/{agent_id}/calling-window",
                    "Calling windows",
                    "Remove the agent's default window",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get",
                    "/v1/batchcall/workspace/frequency-caps",
                    "Workspace",
                    "The workspace's frequency caps: {frequency_caps: [{max, per_seconds}]}, counted on the attempts"
                            + " to each number across every batch and single call of the workspace",
                    true,
                    "object"),
            new OpenApiOperation(
                    "put",
                    "/v1/batchcall/workspace/frequency-caps",
                    "Workspace",
                    "Replace the frequency caps: {frequency_caps: [{max: 1..1000, per_seconds: 60..31536000}]}, at"
                            + " most 5 ([] removes them); a capped recipient waits (hold_reason frequency_cap), or is"
                            + " skipped (frequency_cap_exhausted) when the cap releases it after its window expires",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get",
                    RetryPolicyRoutes.WORKSPACE_PATH,
                    "Campaign rules",
                    "The workspace's default retry policy: {retry_policy: object|null}",
                    true,
                    "object"),
            new OpenApiOperation(
                    "put",
                    RetryPolicyRoutes.WORKSPACE_PATH,
                    "Campaign rules",
                    "Set the workspace's default retry policy (the body is the policy: max_attempts 1..20, retry_on,"
                            + " delay_seconds per outcome or backoff, deadline_unix); batches submitted later without"
                            + " retry_policy get it",
                    true,
                    "object"),
            new OpenApiOperation(
                    "delete",
                    RetryPolicyRoutes.WORKSPACE_PATH,
                    "Campaign rules",
                    "Remove the workspace's default retry policy",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get",
                    RetryPolicyRoutes.AGENT_PATH,
                    "Campaign rules",
                    "The agent's default retry policy: {retry_policy: object|null}",
                    true,
                    "object"),
            new OpenApiOperation(
                    "put",
                    RetryPolicyRoutes.AGENT_PATH,
                    "Campaign rules",
                    "Set the agent's default retry policy (the body is the policy: max_attempts 1..20, retry_on,"
                            + " delay_seconds per outcome or backoff, deadline_unix); batches submitted later without"
                            + " retry_policy get it",
                    true,
                    "object"),
            new OpenApiOperation(
                    "delete",
                    RetryPolicyRoutes.AGENT_PATH,
                    "Campaign rules",
                    "Remove the agent's default retry policy",
                    true,
                    "object"));

    /** Workspaces and their API keys, behind the admin token. */
    static final List<OpenApiOperation> ADMIN = List.of(
            new OpenApiOperation(
                    "post",
                    "/admin/v1/workspaces",
                    "Admin",
                    "Create a workspace and its first API key (shown"
                            + " once); Authorization: Bearer BATCHCALL_ADMIN_TOKEN",
                    false,
                    "object"),
            new OpenApiOperation(
                    "get",
                    "/admin/v1/workspaces",
                    "Admin",
                    "List workspaces with their keys (never the keys" + " themselves)",
                    false,
                    "object"),
            new OpenApiOperation(
                    "get", "/admin/v1/workspaces/{workspace_id}", "Admin", "One workspace", false, "object"),
            new OpenApiOperation(
                    "patch",
                    "/admin/v1/workspaces/{workspace_id}",
                    "Admin",
                    "Change name or concurrency_limit",
                    false,
                    "object"),
            new OpenApiOperation(
                    "post",
                    "/admin/v1/workspaces/{workspace_id}/api-keys",
                    "Admin",
                    "Issue another API key",
                    false,
                    "object"),
            new OpenApiOperation(
                    "delete",
                    "/admin/v1/workspaces/{workspace_id}/api-keys/{key_id}",
                    "Admin",
                    "Revoke an API key at once",
                    false,
                    "none"));
}
