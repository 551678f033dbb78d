package io.batchcall.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.store.ConversationStore;
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
        var c = named.conversation();
        var shown = Json.MAPPER.createObjectNode();
        shown.put("agent_id", c.agentId());
        shown.put("agent_name", named.agentName().orElse(null));
        shown.put("conversation_id", c.id());
        shown.put("status", c.status().wireName());
        shown.set("transcript", parse(c.transcriptJson()));
        var metadata = shown.putObject("metadata");
        metadata.put("start_time_unix_secs", c.startTime().getEpochSecond());
        metadata.put("call_duration_secs", c.callDurationSecs());
        metadata.put("termination_reason", c.terminationReason().orElse(""));
        if (c.batchId().isPresent()) {
            var batch = metadata.putObject("batch_call");
            batch.put("batch_call_id", c.batchId().get());
            batch.put("batch_call_recipient_id", c.recipientId().orElse(null));
        } else {
            metadata.putNull("batch_call");
        }
        metadata.set("phone_call", c.phoneCall().<JsonNode>map(call -> {
            var phoneCall = Json.MAPPER.createObjectNode();
            phoneCall.put("direction", call.direction());
            phoneCall.put("phone_number_id", c.phoneNumberId().orElse(null));
            phoneCall.put("agent_number", call.agentNumber());
            phoneCall.put("external_number", call.externalNumber());
            phoneCall.put("type", call.type());
            phoneCall.put("call_sid", call.callSid());
            phoneCall.put("stream_sid", call.streamSid().orElse(""));
            return phoneCall;
        }).orElse(null));
        shown.set("conversation_initiation_client_data", c.clientDataJson().map(ConversationRoutes::parse).orElse(null));
        for (var audio : List.of("has_audio", "has_user_audio", "has_response_audio", "has_auxiliary_audio")) {
            shown.put(audio, false);
        }
        shown.put("call_successful", c.callSuccessful().wireName());
        ctx.json(shown);
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("conversations keep their JSON fields as jsonb", e);
        }
    }
}
