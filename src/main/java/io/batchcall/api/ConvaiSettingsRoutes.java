package io.batchcall.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchcall.store.WebhookStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;

/**
 * ElevenLabs' {@code GET/PATCH /v1/convai/settings}: which workspace webhook receives the post-call events
 * ({@code webhooks.post_call_webhook_id}) and which of them ({@code webhooks.events}: none selected means
 * transcripts and initiation failures). The other fields are stored and returned as given; a setting batchcall
 * cannot honour (audio, OpenTelemetry transcripts) is refused with a 422 rather than silently ignored.
 */
public final class ConvaiSettingsRoutes implements RouteGroup {
    static final String PATH = "/v1/convai/settings";
    /** ElevenLabs' WebhookEventType values, and the ones batchcall sends. */
    private static final List<String> EVENT_TYPES = List.of(
            "transcript",
            "audio",
            "call_initiation_failure",
            "unredacted_transcript",
            "unredacted_audio",
            "answering_machine_detection");

    private static final List<String> SENT = List.of("transcript", "call_initiation_failure");

    private final WebhookStore webhooks;

    public ConvaiSettingsRoutes(WebhookStore webhooks) {
        this.webhooks = webhooks;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get(PATH, this::get);
        routes.patch(PATH, this::update);
    }

    private void get(Context ctx) {
        ctx.json(render(webhooks.settings(Authentication.workspace(ctx).id())));
    }

    private void update(Context ctx) {
        var workspace = Authentication.workspace(ctx).id();
        var body = JsonBody.of(ctx);
        var current = webhooks.settings(workspace);
        var other = (ObjectNode) parse(current.otherSettingsJson());
        var postCall = current.postCallWebhookId();
        var events = current.webhookEvents();

        var hooks = body.optionalObject("webhooks");
        if (hooks.isPresent()) {
            var h = hooks.get();
            if (h.has("post_call_webhook_id")) {
                postCall = h.optionalText("post_call_webhook_id");
            }
            var listed = h.optionalTextList("events");
            if (listed.isPresent()) {
                for (int i = 0; i < listed.get().size(); i++) {
                    var event = listed.get().get(i);
                    if (!EVENT_TYPES.contains(event)) {
                        h.violateAt(List.of("events", i), "Input should be " + JsonBody.oneOf(EVENT_TYPES), "enum");
                    } else if (!SENT.contains(event)) {
                        h.violateAt(
                                List.of("events", i),
                                "Value error, batchcall does not send '" + event
                                        + "' events (it sends transcript and call_initiation_failure)",
                                "value_error");
                    }
                }
                events = listed.get().stream().distinct().toList();
            }
            h.optionalEnum("transcript_format", List.of("json", "opentelemetry"))
                    .filter("opentelemetry"::equals)
                    .ifPresent(f -> h.violate(
                            "transcript_format",
                            "Value error, batchcall sends transcripts as json" + " only",
                            "value_error"));
            h.optionalBoolean("send_audio")
                    .filter(Boolean::booleanValue)
                    .ifPresent(f -> h.violate(
                            "send_audio", "Value error, batchcall does not send audio webhooks", "value_error"));
        }
        var mcp = body.optionalBoolean("can_use_mcp_servers");
        var rag = body.optionalInt("rag_retention_period_days");
        body.atLeast("rag_retention_period_days", rag, 1);
        body.atMost("rag_retention_period_days", rag, 30);
        var embedding = body.optionalInt("conversation_embedding_retention_days");
        body.atLeast("conversation_embedding_retention_days", embedding, 1);
        body.atMost("conversation_embedding_retention_days", embedding, 365);
        var stack = body.optionalEnum("default_livekit_stack", List.of("standard", "static"));
        var initiation = body.optionalObject("conversation_initiation_client_data_webhook");
        initiation.ifPresent(w -> {
            w.requiredText("url");
            w.optionalObject("request_headers");
            if (w.raw("request_headers").isEmpty()) {
                w.violate("request_headers", "Field required", "missing");
            }
        });
        body.throwIfInvalid();

        mcp.ifPresent(v -> other.put("can_use_mcp_servers", v));
        rag.ifPresent(v -> other.put("rag_retention_period_days", v));
        if (body.has("conversation_embedding_retention_days")) {
            other.set(
                    "conversation_embedding_retention_days", body.node().get("conversation_embedding_retention_days"));
        }
        stack.ifPresent(v -> other.put("default_livekit_stack", v));
        if (body.has("conversation_initiation_client_data_webhook")) {
            other.set(
                    "conversation_initiation_client_data_webhook",
                    body.node().get("conversation_initiation_client_data_webhook"));
        }
        var saved = new WebhookStore.ConvaiSettings(postCall, events, other.toString());
        if (!webhooks.saveSettings(workspace, saved)) {
            throw ValidationException.of(
                    List.of("body", "webhooks", "post_call_webhook_id"),
                    "Value error, no webhook with that id in this workspace",
                    "value_error");
        }
        ctx.json(render(webhooks.settings(workspace)));
    }

    private static ObjectNode render(WebhookStore.ConvaiSettings settings) {
        var out = Json.MAPPER.createObjectNode();
        out.putNull("conversation_initiation_client_data_webhook");
        var hooks = out.putObject("webhooks");
        hooks.put("post_call_webhook_id", settings.postCallWebhookId().orElse(null));
        var events = hooks.putArray("events");
        settings.webhookEvents().forEach(events::add);
        hooks.put("transcript_format", "json");
        hooks.put("send_audio", false);
        out.put("can_use_mcp_servers", false);
        out.put("rag_retention_period_days", 10);
        out.putNull("conversation_embedding_retention_days");
        out.put("default_livekit_stack", "standard");
        out.setAll((ObjectNode) parse(settings.otherSettingsJson()));
        return out;
    }

    private static com.fasterxml.jackson.databind.JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored settings are always a JSON object", e);
        }
    }
}
