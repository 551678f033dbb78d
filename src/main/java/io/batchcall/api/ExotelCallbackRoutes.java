package io.batchcall.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.AttemptStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /callbacks/exotel/{workspace_id}/{attempt_id}/{token}}: Exotel's status callbacks. Exotel signs
 * nothing, so the unguessable per-attempt token in the URL is the whole check: a wrong one is a 403 and changes
 * nothing. Read as a form (Exotel's default) or JSON, flattened to one map ({@code Legs[0][AnsweredBy]} either
 * way); what it means is the Exotel provider's to say ({@code report}).
 */
public final class ExotelCallbackRoutes implements RouteGroup {
    private static final Logger log = LoggerFactory.getLogger(ExotelCallbackRoutes.class);
    private static final String PROVIDER = Provider.EXOTEL.wireName();

    private final CallbackTokens tokens;
    private final AttemptStore attempts;
    private final BiConsumer<AttemptRef, Map<String, String>> report;

    public ExotelCallbackRoutes(
            CallbackTokens tokens, AttemptStore attempts, BiConsumer<AttemptRef, Map<String, String>> report) {
        this.tokens = tokens;
        this.attempts = attempts;
        this.report = report;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post(CallbackTokens.PATH + "/" + PROVIDER + "/{workspace_id}/{attempt_id}/{token}", this::callback);
    }

    private void callback(Context ctx) {
        var ref = new AttemptRef(new WorkspaceId(ctx.pathParam("workspace_id")), ctx.pathParam("attempt_id"));
        if (tokens.publicUrl().isEmpty() || !tokens.matches(ref, ctx.pathParam("token"))) {
            log.warn("Exotel callback refused: bad token attemptId={}", ref.attemptId());
            throw new ApiException(403, "forbidden", "Callback token does not match this attempt");
        }
        var placement = attempts.placement(ref)
                .filter(p -> p.provider() == Provider.EXOTEL)
                .orElseThrow(() -> ApiException.notFound("attempt_not_found", "No Exotel attempt with that id"));
        var params = params(ctx);
        var callSid = params.getOrDefault("CallSid", "");
        if (placement.providerCallId().filter(sid -> !sid.equals(callSid)).isPresent()) {
            log.warn("Exotel callback for another call ignored attemptId={}", ref.attemptId());
        } else {
            report.accept(ref, params);
        }
        // Exotel wants a 200 within 15 s, else it sends the callback again (twice at most).
        ctx.status(200);
    }

    private static Map<String, String> params(Context ctx) {
        var flat = new HashMap<String, String>();
        var contentType = ctx.contentType() == null ? "" : ctx.contentType();
        if (contentType.startsWith("application/json")) {
            try {
                flatten("", Json.MAPPER.readTree(ctx.body()), flat);
            } catch (IOException e) {
                throw new ApiException(400, "invalid_callback", "Callback body is not JSON");
            }
            return flat;
        }
        ctx.formParamMap().forEach((name, values) -> flat.put(name, values.isEmpty() ? "" : values.getFirst()));
        return flat;
    }

    /** {@code {"Legs":[{"AnsweredBy":"HUMAN"}]}} becomes {@code Legs[0][AnsweredBy]=HUMAN}, as in the form. */
    private static void flatten(String prefix, JsonNode node, Map<String, String> into) {
        if (node.isObject()) {
            node.properties()
                    .forEach(field -> flatten(
                            prefix.isEmpty() ? field.getKey() : prefix + "[" + field.getKey() + "]",
                            field.getValue(),
                            into));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                flatten(prefix + "[" + i + "]", node.get(i), into);
            }
        } else if (!node.isNull()) {
            into.put(prefix, node.asText());
        }
    }
}
