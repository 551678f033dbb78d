package io.batchcall.api;

import io.batchcall.domain.PhoneCall;
import io.batchcall.domain.UnixTime;
import io.batchcall.store.AgentStore;
import io.batchcall.store.ConversationStore;
import io.batchcall.store.OptOutStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Opt-outs: {@code POST /v1/batchcall/opt-outs} with the workspace's API key, {@code POST
 * /agent/v1/conversations/{id}/opt-out} with a call's agent token (the agent heard the callee say "stop calling
 * me"; the number is the conversation's), and {@code GET /v1/batchcall/opt-outs}, the export. Recording one
 * cancels the number's waiting recipients at once (see {@link OptOutStore#record}); the same opt-out twice
 * answers the first one ({@code created: false}) and adds no row.
 */
public final class OptOutRoutes implements RouteGroup {
    static final String PATH = "/v1/batchcall/opt-outs";

    private final OptOutStore optOuts;
    private final AgentStore agents;
    private final ConversationStore conversations;
    private final AgentTokens tokens;

    public OptOutRoutes(OptOutStore optOuts, AgentStore agents, ConversationStore conversations, AgentTokens tokens) {
        this.optOuts = optOuts;
        this.agents = agents;
        this.conversations = conversations;
        this.tokens = tokens;
    }

    record OptOutResponse(
            String optOutId,
            String phoneNumber,
            String agentId,
            String channel,
            String conversationId,
            String batchId,
            String reason,
            long createdAtUnix) {}

    record RecordedResponse(
            String optOutId,
            String phoneNumber,
            String agentId,
            String channel,
            String conversationId,
            String batchId,
            String reason,
            long createdAtUnix,
            boolean created,
            int cancelledRecipients) {}

    record OptOutPage(List<OptOutResponse> optOuts, String nextCursor, boolean hasMore) {}

    @Override
    public void register(RoutesConfig routes) {
        routes.post(PATH, this::create);
        routes.get(PATH, this::list);
        routes.post(AgentTokens.PATH + "/{conversation_id}/opt-out", this::byAgent);
    }

    /**
     * {@code phone_number} may be left out when {@code conversation_id} names a phone conversation: its callee is
     * opted out. Without {@code agent_id} the opt-out holds for every agent of the workspace.
     */
    private void create(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var body = JsonBody.of(ctx);
        var phone = body.optionalText("phone_number");
        var number = phone.flatMap(text -> {
            var e164 = E164.normaliseIgnoringExtension(text);
            if (e164.isEmpty()) {
                body.violate("phone_number", E164.invalidMessage(), "value_error");
            }
            return e164;
        });
        var agentId = body.optionalText("agent_id");
        var reason = body.optionalText("reason");
        var conversationId = body.optionalText("conversation_id");
        var batchId = body.optionalText("batch_id");
        if (phone.isEmpty() && conversationId.isEmpty()) {
            body.violate("phone_number", "Field required (or a conversation_id whose callee opts out)", "missing");
        }
        body.throwIfInvalid();
        agentId.ifPresent(id -> agents.find(workspace, id)
                .orElseThrow(() ->
                        ApiException.notFound("agent_not_found", "No agent with id " + id + " in this workspace")));
        var conversation = conversationId.map(id -> conversations
                .find(workspace, id)
                .orElseThrow(() -> ApiException.notFound(
                        "conversation_not_found", "No conversation with id " + id + " in this workspace"))
                .conversation());
        var resolved = number.or(() -> conversation.flatMap(c -> c.phoneCall().map(PhoneCall::externalNumber)))
                .orElseThrow(() -> ValidationException.of(
                        List.of("body", "conversation_id"),
                        "Value error, this conversation has no phone number; give phone_number",
                        "value_error"));
        var recorded = optOuts.record(
                workspace,
                new OptOutStore.NewOptOut(
                        resolved,
                        agentId,
                        "api",
                        conversationId,
                        batchId.or(() -> conversation.flatMap(c -> c.batchId())),
                        reason));
        ctx.json(render(recorded));
    }

    /**
     * The agent of a conversation opts its callee out: for the whole workspace, since a person who asks one agent
     * not to call means the caller, not the agent. The token opens the conversation after the call too, so that an
     * agent may record it while wrapping up.
     */
    private void byAgent(Context ctx) {
        var ref = AgentCallRoutes.authorized(tokens, ctx);
        var body = JsonBody.of(ctx);
        var reason = body.optionalText("reason");
        body.throwIfInvalid();
        var conversation = conversations
                .find(ref.workspaceId(), ref.conversationId())
                .orElseThrow(() -> ApiException.notFound("conversation_not_found", "No conversation with that id"))
                .conversation();
        var number = conversation
                .phoneCall()
                .map(PhoneCall::externalNumber)
                .orElseThrow(() -> ValidationException.of(
                        List.of("path", "conversation_id"),
                        "Value error, this conversation has no phone number to opt out",
                        "value_error"));
        var recorded = optOuts.record(
                ref.workspaceId(),
                new OptOutStore.NewOptOut(
                        number,
                        Optional.empty(),
                        "agent",
                        Optional.of(conversation.id()),
                        conversation.batchId(),
                        reason));
        ctx.json(render(recorded));
    }

    /** Newest first; {@code since} (unix seconds) keeps those recorded from then on. */
    private void list(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var page = PageQuery.of(ctx);
        var since = PageQuery.filter(ctx, "since").map(text -> {
            long seconds;
            try {
                seconds = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw ValidationException.of(
                        List.of("query", "since"), "Input should be a valid integer (unix seconds)", "int_parsing");
            }
            if (!UnixTime.accepted(seconds)) {
                throw ValidationException.of(
                        List.of("query", "since"),
                        "Input should be unix seconds from " + UnixTime.EARLIEST + " to " + UnixTime.LATEST,
                        seconds < UnixTime.EARLIEST ? "greater_than_equal" : "less_than_equal");
            }
            return Instant.ofEpochSecond(seconds);
        });
        var found = optOuts.list(workspace, since, page.after(), page.pageSize());
        ctx.json(new OptOutPage(
                found.items().stream().map(OptOutRoutes::render).toList(),
                found.next().map(PageQuery::encode).orElse(null),
                found.next().isPresent()));
    }

    private static OptOutResponse render(OptOutStore.OptOut o) {
        return new OptOutResponse(
                o.id(),
                o.number(),
                o.agentId().orElse(null),
                o.channel(),
                o.conversationId().orElse(null),
                o.batchId().orElse(null),
                o.reason().orElse(null),
                o.createdAt().getEpochSecond());
    }

    private static RecordedResponse render(OptOutStore.Recorded recorded) {
        var o = recorded.optOut();
        return new RecordedResponse(
                o.id(),
                o.number(),
                o.agentId().orElse(null),
                o.channel(),
                o.conversationId().orElse(null),
                o.batchId().orElse(null),
                o.reason().orElse(null),
                o.createdAt().getEpochSecond(),
                recorded.created(),
                recorded.cancelledRecipients());
    }
}
