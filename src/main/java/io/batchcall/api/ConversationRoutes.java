package io.batchcall.api;

import io.batchcall.store.ConversationStore;
import io.batchcall.wire.ConversationWire;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;

/**
 * {@code /v1/convai/conversations}: the calls batches made, read-only. Shapes follow
 * {@code GetConversationResponseModel} and {@code ConversationSummaryResponseModel}; we record no audio.
 */
public final class ConversationRoutes implements RouteGroup {
    private static final String PATH = "/v1/convai/conversations";

    private final ConversationStore conversations;

    public ConversationRoutes(ConversationStore conversations) {
        this.conversations = conversations;
    }

    record Summary(String agentId, String agentName, String conversationId, long startTimeUnixSecs,
                   int callDurationSecs, int messageCount, String status, String callSuccessful) {
        static Summary of(ConversationStore.Named named) {
            var c = named.conversation();
            return new Summary(c.agentId(), named.agentName().orElse(null), c.id(), c.startTime().getEpochSecond(),
                    c.callDurationSecs(), c.messageCount(), c.status().wireName(), c.callSuccessful().wireName());
        }
    }

    record ConversationPage(List<Summary> conversations, String nextCursor, boolean hasMore) {}

    @Override
    public void register(RoutesConfig routes) {
        routes.get(PATH, this::list);
        routes.get(PATH + "/{conversation_id}", this::get);
    }

    private void list(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var page = PageQuery.of(ctx);
        var found = conversations.list(workspace, PageQuery.filter(ctx, "agent_id"),
                PageQuery.filter(ctx, "batch_call_id"), page.after(), page.pageSize());
        ctx.json(new ConversationPage(found.items().stream().map(Summary::of).toList(),
                found.next().map(PageQuery::encode).orElse(null), found.next().isPresent()));
    }

    private void get(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var named = conversations.find(workspace, ctx.pathParam("conversation_id"))
                .orElseThrow(() -> ApiException.notFound("conversation_not_found",
                        "No conversation with that id in this workspace"));
        ctx.json(ConversationWire.conversation(named.conversation(), named.agentName()));
    }
}
