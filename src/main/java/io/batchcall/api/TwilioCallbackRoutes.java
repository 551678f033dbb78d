package io.batchcall.api;

import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.AttemptStore;
import io.batchcall.store.ConversationStore;
import io.batchcall.store.PhoneNumberStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /callbacks/twilio/{workspace_id}/{attempt_id}/{token}}: Twilio's status callbacks. Outside
 * {@code /v1}, so no API key: each is checked by its URL token and by {@code X-Twilio-Signature}, keyed by the auth
 * token of the number that placed the call; a callback failing either is a 403 and changes nothing. What a
 * verified callback means is the Twilio provider's to say ({@code report}).
 */
public final class TwilioCallbackRoutes implements RouteGroup {
    private static final Logger log = LoggerFactory.getLogger(TwilioCallbackRoutes.class);
    private static final String PROVIDER = Provider.TWILIO.wireName();

    private final CallbackTokens tokens;
    private final AttemptStore attempts;
    private final PhoneNumberStore phoneNumbers;
    private final BiConsumer<AttemptRef, Map<String, String>> report;
    private final ConversationStore conversations;
    private final OutlivedCalls outlived;

    /** Ends a call Twilio reports live for an attempt that ended without it (the Twilio provider does). */
    @FunctionalInterface
    public interface OutlivedCalls {
        boolean end(
                AttemptRef attempt,
                String settingsJson,
                Map<String, String> credentials,
                String callSid,
                String callStatus);
    }

    public TwilioCallbackRoutes(
            CallbackTokens tokens,
            AttemptStore attempts,
            PhoneNumberStore phoneNumbers,
            BiConsumer<AttemptRef, Map<String, String>> report,
            ConversationStore conversations,
            OutlivedCalls outlived) {
        this.tokens = tokens;
        this.attempts = attempts;
        this.phoneNumbers = phoneNumbers;
        this.report = report;
        this.conversations = conversations;
        this.outlived = outlived;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post(CallbackTokens.PATH + "/" + PROVIDER + "/{workspace_id}/{attempt_id}/{token}", this::callback);
    }

    private void callback(Context ctx) {
        var ref = new AttemptRef(new WorkspaceId(ctx.pathParam("workspace_id")), ctx.pathParam("attempt_id"));
        var token = ctx.pathParam("token");
        var publicUrl = tokens.publicUrl();
        if (publicUrl.isEmpty() || !tokens.matches(ref, token)) {
            throw forbidden();
        }
        var placement = attempts.placement(ref)
                .filter(p -> p.provider() == Provider.TWILIO)
                .orElseThrow(() -> ApiException.notFound("attempt_not_found", "No Twilio attempt with that id"));
        var secrets = phoneNumbers
                .credentials(ref.workspaceId(), placement.phoneNumberId())
                .orElseThrow(() ->
                        ApiException.notFound("phone_number_not_found", "The number that placed this attempt is gone"));
        // A number with a region_config has two auth tokens, the account's and its region's; a callback signed
        // with either is Twilio's.
        var authTokens = java.util.stream.Stream.of(secrets.get("token"), secrets.get("region_token"))
                .filter(java.util.Objects::nonNull)
                .filter(t -> !t.isBlank())
                .toList();
        var signature = ctx.header("X-Twilio-Signature");
        // The URL Twilio called, rebuilt from configuration: behind a TLS-terminating proxy the request's own
        // scheme, host and port are not what Twilio signed.
        var url =
                CallbackTokens.url(publicUrl.get(), PROVIDER, ref.workspaceId().value(), ref.attemptId(), token);
        var params = ctx.formParamMap();
        if (signature == null
                || authTokens.stream()
                        .noneMatch(authToken -> TwilioSignature.valid(url, params, authToken, signature))) {
            log.warn("Twilio callback refused: bad signature attemptId={}", ref.attemptId());
            throw forbidden();
        }
        var single = new HashMap<String, String>();
        params.forEach((name, values) -> single.put(name, values.isEmpty() ? "" : values.getFirst()));
        var callSid = single.getOrDefault("CallSid", "");
        if (placement.providerCallId().filter(sid -> !sid.equals(callSid)).isPresent()) {
            log.warn("Twilio callback for another call ignored attemptId={}", ref.attemptId());
        } else if (placement.endedWithoutProviderStatus() && single.containsKey("CallStatus")) {
            // The attempt ended without Twilio saying how its call ended (the create's answer was lost and the
            // look-up found no call yet, its batch was stopped, ...), yet Twilio has the call: nothing counts it
            // against the limits and its recipient may be called again. A live call is ended now; an ended one
            // changes nothing. An attempt whose end Twilio reported is not asked about: a live callback after it is
            // only late.
            phoneNumbers
                    .find(ref.workspaceId(), placement.phoneNumberId())
                    .ifPresent(number -> outlived.end(
                            ref, number.settingsJson(), secrets, callSid, single.getOrDefault("CallStatus", "")));
        } else if (single.containsKey("RecordingSid")) {
            // A recording status callback says nothing about the call's state: only where its audio is.
            if ("completed".equals(single.get("RecordingStatus"))) {
                conversations.recorded(ref.workspaceId(), ref.attemptId(), single.get("RecordingSid"));
            }
        } else {
            report.accept(ref, single);
        }
        ctx.status(204);
    }

    private static ApiException forbidden() {
        return new ApiException(403, "forbidden", "Callback not signed by the account that placed this call");
    }
}
