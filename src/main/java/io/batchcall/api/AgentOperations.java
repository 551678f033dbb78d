package io.batchcall.api;

import java.util.List;

/** Agents and phone numbers, and the routes the other side of a call (the agent, a provider) calls. */
final class AgentOperations {
    private AgentOperations() {}

    /** ElevenLabs' agents subset as served here, and the phone number listing. */
    static final List<OpenApiOperation> AGENTS_AND_NUMBERS = List.of(
            new OpenApiOperation(
                    "post",
                    "/v1/convai/agents/create",
                    "Agents",
                    "Create an agent (name optional;"
                            + " conversation_config and platform_settings stored as given, platform_settings.call_limits"
                            + " enforced); returns {agent_id}",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get", "/v1/convai/agents", "Agents", "List agents, newest first, cursor paging", true, "object"),
            new OpenApiOperation(
                    "get",
                    "/v1/convai/agents/{agent_id}",
                    "Agents",
                    "One agent, with platform_settings"
                            + " (call_limits as in force) and our extension fields concurrency_limit, phone_number_id,"
                            + " media_stream_url, sip_uri, daily_usage {daily_limit, calls_in_last_24h, limit_reached,"
                            + " next_call_allowed_at_unix}",
                    true,
                    "object"),
            new OpenApiOperation("patch", "/v1/convai/agents/{agent_id}", "Agents", "Change an agent", true, "object"),
            new OpenApiOperation(
                    "delete",
                    "/v1/convai/agents/{agent_id}",
                    "Agents",
                    "Delete an agent (409 while one of its" + " batches is pending or running)",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get", "/v1/convai/agents/{agent_id}/branches", "Agents", "An agent's branches", true, "object"),
            new OpenApiOperation(
                    "post",
                    "/v1/convai/agents/{agent_id}/branches",
                    "Agents",
                    "Create a branch; returns" + " {created_branch_id, created_version_id} and the branch's summary",
                    true,
                    "object"),
            new OpenApiOperation(
                    "get",
                    "/v1/convai/v2/phone-numbers",
                    "Phone numbers",
                    "List phone numbers a page at a"
                            + " time: page_size (at most 100), cursor, search (id exactly, or label or number containing it,"
                            + " ignoring case), label, phone_number, provider, supports_outbound, agent_id, branch_id,"
                            + " sort_by (label, phone_number; creation order when absent), sort_direction -> {phone_numbers,"
                            + " next_cursor, has_more}",
                    true,
                    "object"));

    /** The agent's side of a call and the providers' status callbacks: no API key, a token instead. */
    static final List<OpenApiOperation> CALL_SIDE = List.of(
            new OpenApiOperation(
                    "get",
                    AgentTokens.PATH + "/{conversation_id}",
                    "Agent side of a call",
                    "What the agent"
                            + " needs to know about its call: conversation_initiation_client_data, batch and recipient ids,"
                            + " the called number. Authorization: Bearer <the token its call carried>; no API key",
                    false,
                    "object"),
            new OpenApiOperation(
                    "post",
                    AgentTokens.PATH + "/{conversation_id}/report",
                    "Agent side of a call",
                    "The"
                            + " agent reports transcript, analysis and termination_reason (each optional; absent parts"
                            + " keep their values); answers the conversation as GET conversation. Bearer agent token",
                    false,
                    "object"),
            new OpenApiOperation(
                    "post",
                    "/callbacks/twilio/{workspace_id}/{attempt_id}/{token}",
                    "Provider callbacks",
                    "Twilio status callbacks (form POST, X-Twilio-Signature verified; 403 otherwise)",
                    false,
                    "none"),
            new OpenApiOperation(
                    "post",
                    "/callbacks/exotel/{workspace_id}/{attempt_id}/{token}",
                    "Provider callbacks",
                    "Exotel status callbacks (form or JSON POST, unsigned: the per-attempt URL token is checked; 403"
                            + " otherwise)",
                    false,
                    "none"));
}
