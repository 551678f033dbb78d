package io.batchcall.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.ConversationStore;
import io.batchcall.store.PhoneNumberStore;
import io.batchcall.wire.ConversationWire;
import io.batchcall.wire.WireJson;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /v1/convai/conversations}: the calls batches made. Shapes follow {@code GetConversationResponseModel} and
 * {@code ConversationSummaryResponseModel}. The list honours every filter of ElevenLabs' that our conversations
 * carry the data for, and answers 422 on ["query", name] for one they do not (ratings, tools, tags, ...): an
 * ignored filter would return conversations the caller asked to leave out. Unknown parameters are ignored, as
 * FastAPI does.
 */
public final class ConversationRoutes implements RouteGroup {
    static final String PATH = "/v1/convai/conversations";

    /** Where a Twilio recording's audio comes from: the provider, with the credentials of the number that called. */
    @FunctionalInterface
    public interface Recordings {
        /** The recording's MP3, or empty when the provider has none (or could not be reached). */
        Optional<InputStream> open(String settingsJson, Map<String, String> credentials, String recordingSid);
    }

    private final ConversationStore conversations;
    private final PhoneNumberStore phoneNumbers;
    private final Recordings recordings;

    public ConversationRoutes(ConversationStore conversations, PhoneNumberStore phoneNumbers, Recordings recordings) {
        this.conversations = conversations;
        this.phoneNumbers = phoneNumbers;
        this.recordings = recordings;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get(PATH, this::list);
        routes.get(PATH + "/{conversation_id}", this::get);
        routes.delete(PATH + "/{conversation_id}", this::delete);
        routes.get(PATH + "/{conversation_id}/audio", this::audio);
    }

    private void list(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var violations = new ArrayList<Violation>();
        var query = ConversationListQuery.read(ctx, violations);
        PageQuery page;
        try {
            page = PageQuery.of(ctx);
        } catch (ValidationException e) {
            violations.addAll(e.violations());
            page = null;
        }
        if (!violations.isEmpty()) {
            throw new ValidationException(violations);
        }
        var shown = WireJson.MAPPER.createObjectNode();
        var list = shown.putArray("conversations");
        if (query.matchesNothing()) {
            shown.putNull("next_cursor");
            shown.put("has_more", false);
            ctx.json(shown);
            return;
        }
        var found = conversations.list(workspace, query.filter(), page.after(), page.pageSize());
        found.items().forEach(named -> list.add(summary(named, query)));
        shown.put("next_cursor", found.next().map(PageQuery::encode).orElse(null));
        shown.put("has_more", found.next().isPresent());
        ctx.json(shown);
    }

    private static ObjectNode summary(ConversationStore.Named named, ConversationListQuery query) {
        var c = named.conversation();
        var shown = WireJson.MAPPER.createObjectNode();
        shown.put("agent_id", c.agentId());
        shown.put("agent_name", named.agentName().orElse(null));
        shown.put("branch_id", c.branchId().orElse(null));
        shown.put("conversation_id", c.id());
        shown.put("start_time_unix_secs", c.startTime().getEpochSecond());
        shown.put("call_duration_secs", c.callDurationSecs());
        shown.put("message_count", c.messageCount());
        shown.put("status", c.status().wireName());
        shown.put("termination_reason", c.terminationReason().orElse(""));
        shown.put("call_successful", c.callSuccessful().wireName());
        if (query.includeSummary()) {
            shown.put("transcript_summary", c.transcriptSummary().orElse(null));
        }
        // Only when asked for, as ElevenLabs does: each requested id's collected value, each criterion's result.
        if (!query.dataCollectionIds().isEmpty()) {
            var stored = ConversationWire.parse(c.dataCollectionResultsJson());
            var results = shown.putObject("data_collection_results");
            query.dataCollectionIds().stream().filter(stored::has).forEach(id -> {
                var value = stored.get(id).get("value");
                results.set(id, value == null ? results.nullNode() : value);
            });
        }
        if (!query.evaluationCriteriaIds().isEmpty()) {
            var stored = ConversationWire.parse(c.evaluationCriteriaResultsJson());
            var results = shown.putObject("evaluation_criteria_results");
            query.evaluationCriteriaIds().stream()
                    .filter(stored::has)
                    .forEach(id -> results.putObject(id)
                            .put("result", stored.get(id).path("result").asText("unknown")));
        }
        c.phoneCall().ifPresent(call -> {
            shown.put("direction", call.direction());
            shown.put("conversation_initiation_source", ConversationWire.initiationSource(call));
        });
        return shown;
    }

    private void get(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var named = conversations
                .find(workspace, ctx.pathParam("conversation_id"))
                .orElseThrow(ConversationRoutes::notFound);
        ctx.json(ConversationWire.conversation(named.conversation(), named.agentName()));
    }

    /** ElevenLabs answers 200 with an empty object. */
    private void delete(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        switch (conversations.delete(workspace, ctx.pathParam("conversation_id"))) {
            case ConversationStore.Deletion.Deleted deleted -> ctx.json(Map.of());
            case ConversationStore.Deletion.NotFound notFound -> throw notFound();
            case ConversationStore.Deletion.InProgress running ->
                throw ApiException.conflict(
                        "conversation_in_progress",
                        "The conversation's call has not ended (status "
                                + running.status().wireName() + "): delete it once it is done or failed");
        }
    }

    /**
     * The call's Twilio recording, streamed from Twilio with the calling number's credentials (nothing is kept
     * here: Twilio keeps the recording as long as the account's retention says, and deleting it there removes it
     * here too). 404 when the call was not recorded or Twilio no longer has it.
     */
    private void audio(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var conversationId = ctx.pathParam("conversation_id");
        if (conversations.find(workspace, conversationId).isEmpty()) {
            throw notFound();
        }
        var audio = conversations
                .recording(workspace, conversationId)
                .flatMap(recording -> open(workspace, recording))
                .orElseThrow(() -> ApiException.notFound(
                        "audio_not_found",
                        "This conversation has no recording: only Twilio calls made with call recording enabled "
                                + "have one, and only while Twilio keeps it"));
        ctx.contentType("audio/mpeg");
        ctx.result(audio);
    }

    private Optional<InputStream> open(WorkspaceId workspace, ConversationStore.Recording recording) {
        var number =
                phoneNumbers.find(workspace, recording.phoneNumberId()).filter(n -> n.provider() == Provider.TWILIO);
        var credentials = phoneNumbers.credentials(workspace, recording.phoneNumberId());
        if (number.isEmpty() || credentials.isEmpty()) {
            return Optional.empty();
        }
        return recordings.open(number.get().settingsJson(), credentials.get(), recording.recordingSid());
    }

    private static ApiException notFound() {
        return ApiException.notFound("conversation_not_found", "No conversation with that id in this workspace");
    }
}
