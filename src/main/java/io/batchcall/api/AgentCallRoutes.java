package io.batchcall.api;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.batchcall.domain.ConversationRef;
import io.batchcall.domain.PhoneCall;
import io.batchcall.store.ConversationStore;
import io.batchcall.wire.ConversationWire;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * The agent's side of a call, outside {@code /v1} (no workspace API key): with the token its call carried
 * ({@code Authorization: Bearer <token>}), an agent reads what its conversation is about and reports how it went.
 * <ul>
 *   <li>{@code GET /agent/v1/conversations/{id}}: the recipient's {@code conversation_initiation_client_data}
 *       (dynamic variables and overrides, as submitted), the batch and recipient ids and the numbers;</li>
 *   <li>{@code POST /agent/v1/conversations/{id}/report}: transcript, analysis, termination reason; answers the
 *       conversation as GET conversation shows it.</li>
 * </ul>
 * A missing or wrong token is a 401 before anything is read; a token for a conversation that does not exist
 * (any more) a 404.
 */
public final class AgentCallRoutes implements RouteGroup {
    private static final String BEARER = "Bearer ";

    private final AgentTokens tokens;
    private final ConversationStore conversations;

    public AgentCallRoutes(AgentTokens tokens, ConversationStore conversations) {
        this.tokens = tokens;
        this.conversations = conversations;
    }

    /** What an agent is told about its call. */
    record AgentConversation(
            String conversationId,
            String agentId,
            String status,
            String batchCallId,
            String batchCallRecipientId,
            String phoneNumber,
            String agentPhoneNumber,
            String phoneNumberId,
            @JsonRawValue String conversationInitiationClientData,
            String reportUrl) {}

    @Override
    public void register(RoutesConfig routes) {
        routes.get(AgentTokens.PATH + "/{conversation_id}", this::read);
        routes.post(AgentTokens.PATH + "/{conversation_id}/report", this::report);
    }

    private void read(Context ctx) {
        var ref = authorized(tokens, ctx);
        var c = conversations
                .find(ref.workspaceId(), ref.conversationId())
                .orElseThrow(AgentCallRoutes::notFound)
                .conversation();
        ctx.json(new AgentConversation(
                c.id(),
                c.agentId(),
                c.status().wireName(),
                c.batchId().orElse(null),
                c.recipientId().orElse(null),
                c.phoneCall().map(PhoneCall::externalNumber).orElse(null),
                c.phoneCall().map(PhoneCall::agentNumber).orElse(null),
                c.phoneNumberId().orElse(null),
                c.clientDataJson().orElse(null),
                tokens.url(ref) + "/report"));
    }

    private void report(Context ctx) {
        var ref = authorized(tokens, ctx);
        var report = AgentReportRequest.parse(JsonBody.of(ctx));
        var named = conversations
                .report(ref.workspaceId(), ref.conversationId(), report)
                .orElseThrow(AgentCallRoutes::notFound);
        ctx.json(ConversationWire.conversation(named.conversation(), named.agentName()));
    }

    /** The conversation the request's agent token opens; a 401 when it has none or a wrong one. */
    static ConversationRef authorized(AgentTokens tokens, Context ctx) {
        var authorization = ctx.header("Authorization");
        if (authorization == null
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                || authorization.substring(BEARER.length()).isBlank()) {
            throw new ApiException(
                    401,
                    "needs_authorization",
                    "An Authorization: Bearer header with the call's agent token is required");
        }
        return tokens.verify(
                        ctx.pathParam("conversation_id"),
                        authorization.substring(BEARER.length()).strip())
                .orElseThrow(() ->
                        new ApiException(401, "invalid_agent_token", "This token does not open this conversation"));
    }

    private static ApiException notFound() {
        return ApiException.notFound("conversation_not_found", "No conversation with that id");
    }
}
