package io.batchcall.telephony.whatsapp;

import io.batchcall.config.WhatsAppConfig;
import io.batchcall.domain.ConversationRef;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.HoldReason;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.Provider;
import io.batchcall.domain.WhatsAppPermission;
import io.batchcall.domain.WhatsAppPermissions;
import io.batchcall.telephony.AgentAccess;
import io.batchcall.telephony.CallEventSink;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.CallState;
import io.batchcall.telephony.PlaceResult;
import io.batchcall.telephony.StreamParameters;
import io.batchcall.telephony.TelephonyProvider;
import io.batchcall.telephony.media.AgentStreamUrl;
import io.batchcall.telephony.media.MediaBridge;
import io.batchcall.telephony.media.MediaPorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WhatsApp Business calls through Meta's Graph API. Before each call the permission gate asks Meta whether the user
 * allows our calls: allowed, it connects with an SDES-SRTP offer from the media bridge; not asked yet, it sends the
 * batch's permission-request template once and holds the recipient (no slot held) until the reply wakes it or the
 * wait runs out; refused, the recipient fails with EL's reason. Meta's per-user limits hold the recipient until they
 * free up. Call events come from the webhooks ({@link #events()}).
 */
public final class WhatsAppProvider implements TelephonyProvider, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WhatsAppProvider.class);

    static final String DECLINED = "User declined the call permission request.";
    static final String NOT_IN_TIME = "WhatsApp call permission was not granted in time";
    /** Meta's limits mostly count per 24 h: a limit without a stated end is waited out this long. */
    static final Duration LIMIT_WAIT = Duration.ofHours(24);
    /**
     * Meta revokes a permission after 4 consecutive unanswered or rejected calls; after 3, the next call waits
     * this long after the last one rather than risk the revoke.
     */
    static final int STRIKES_BEFORE_REVOKE = 3;

    static final String UNANSWERED_LIMIT = "3 WhatsApp calls in a row went unanswered; a 4th would make Meta revoke"
            + " the user's call permission, so batchcall does not place it";

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration RATE_LIMITED = Duration.ofMinutes(1);
    private static final Duration BUSY_RETRY = Duration.ofSeconds(30);
    /** Account-level errors: every call from the number would meet them, so the batch fails (reference §1.7). */
    private static final Set<Integer> ACCOUNT_ERRORS = Set.of(138000, 138013, 138014, 138015, 138018, 131055, 190);

    private static final Pattern EPOCH = Pattern.compile("\\b(\\d{10})\\b");

    private final HttpClient http;
    private final GraphApi api;
    private final WhatsAppConfig config;
    private final WhatsAppPermissions permissions;
    private final AgentAccess agents;
    private final MediaPorts mediaPorts;
    private final EgressPolicy egress;
    private final Clock clock;
    private final WhatsAppCalls calls;
    private final SecureRandom random = new SecureRandom();

    public WhatsAppProvider(
            WhatsAppConfig config,
            WhatsAppPermissions permissions,
            CallEventSink events,
            AgentAccess agents,
            MediaPorts mediaPorts,
            EgressPolicy egress,
            Clock clock) {
        this.http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
        this.api = new GraphApi(http, config.graphUrl(), REQUEST_TIMEOUT);
        this.config = config;
        this.permissions = permissions;
        this.agents = agents;
        this.mediaPorts = mediaPorts;
        this.egress = egress;
        this.clock = clock;
        this.calls = new WhatsAppCalls(events, permissions, api, clock);
    }

    @Override
    public Provider kind() {
        return Provider.WHATSAPP;
    }

    /** Where the webhook endpoint hands what Meta reported. */
    public WhatsAppEvents events() {
        return calls;
    }

    @Override
    public PlaceResult place(CallRequest request) {
        var number = request.from();
        var user = request.to();
        if (user == null || user.isBlank()) {
            return new PlaceResult.Ended(
                    new Outcome.Failed("the recipient has no whatsapp_user_id, which a WhatsApp call needs", false),
                    Optional.of("no_whatsapp_user_id"),
                    Optional.empty());
        }
        var account = WhatsAppAccount.of(number, request.credentials(), config.graphVersion());
        if (account.isEmpty()) {
            return new PlaceResult.Unusable("WhatsApp account " + number.id() + " has no access_token");
        }
        var streamUrl = request.agent().mediaStreamUrl();
        if (streamUrl.isEmpty()) {
            return new PlaceResult.Unusable("agent " + request.agent().id() + " has no media_stream_url: WhatsApp"
                    + " calls are bridged to the agent's media stream (SIP agents through Meta are not supported)");
        }
        URI url;
        switch (AgentStreamUrl.check(streamUrl.get(), egress)) {
            case AgentStreamUrl.Refused refused -> {
                return new PlaceResult.Unusable(refused.reason());
            }
            case AgentStreamUrl.Usable usable -> url = usable.url();
        }
        var now = clock.instant();
        var recorded = permissions.find(request.attempt().workspaceId(), number.id(), user);
        GraphApi.Permission permission;
        switch (api.permission(account.get(), user)) {
            case GraphApi.Answer.Ok ok -> permission = GraphApi.permission(ok.body());
            case GraphApi.Answer.Refused refused -> {
                return refusedCheck(refused);
            }
            case GraphApi.Answer.Unavailable unavailable -> {
                // A read: asking again later is safe.
                return new PlaceResult.Deferred(BUSY_RETRY, "WhatsApp permission check: " + unavailable.reason());
            }
        }
        if (permission.granted()) {
            if (!permission.startCall().allowed()) {
                return new PlaceResult.Held(
                        HoldReason.WHATSAPP_LIMIT,
                        permission.startCall().limitUntil().orElse(now.plus(LIMIT_WAIT)),
                        "Meta's limit of calls to this user is used up");
            }
            // Meta revokes the permission after the 4th unanswered or rejected call in a row, and nothing documents
            // that waiting clears its count: a 4th is never placed automatically (only a call that connects clears
            // ours), so the permission is never burnt.
            if (recorded.filter(p -> p.unanswered() >= STRIKES_BEFORE_REVOKE).isPresent()) {
                return new PlaceResult.Ended(
                        new Outcome.Failed(UNANSWERED_LIMIT, false), Optional.of("unanswered_limit"), Optional.empty());
            }
            return connect(request, account.get(), url, permission, now);
        }
        if (recorded.map(WhatsAppPermission::status).equals(Optional.of(WhatsAppPermission.Status.REFUSED))) {
            return new PlaceResult.Ended(
                    new Outcome.Failed(DECLINED, false), Optional.of("permission_declined"), Optional.empty());
        }
        var pending = recorded.filter(p -> p.status() == WhatsAppPermission.Status.REQUESTED)
                .flatMap(WhatsAppPermission::requestedAt);
        if (pending.isPresent()) {
            var waitEnds = pending.get().plus(config.permissionWait());
            if (now.isBefore(waitEnds)) {
                return new PlaceResult.Held(HoldReason.WHATSAPP_PERMISSION, waitEnds, "waiting for the user's reply");
            }
            // The wait ran out; a request older than two waits belongs to an earlier campaign: ask again.
            if (now.isBefore(waitEnds.plus(config.permissionWait()))) {
                return new PlaceResult.Ended(
                        new Outcome.Failed(NOT_IN_TIME, false), Optional.of("permission_expired"), Optional.empty());
            }
        }
        return ask(request, account.get(), permission, now);
    }

    /** Sends the batch's permission-request template, once per user and wait, and holds the recipient. */
    private PlaceResult ask(CallRequest request, WhatsAppAccount account, GraphApi.Permission permission, Instant now) {
        if (!permission.sendRequest().allowed()) {
            return new PlaceResult.Held(
                    HoldReason.WHATSAPP_LIMIT,
                    permission.sendRequest().limitUntil().orElse(now.plus(LIMIT_WAIT)),
                    "Meta's limit of permission requests to this user is used up");
        }
        var template = permissions.template(request.attempt().workspaceId(), request.batchId());
        if (template.isEmpty()) {
            return new PlaceResult.Unusable("the batch names no call permission request template in its"
                    + " whatsapp_params, so WhatsApp users cannot be asked for permission");
        }
        var workspace = request.attempt().workspaceId();
        var wait = new PlaceResult.Held(
                HoldReason.WHATSAPP_PERMISSION,
                now.plus(config.permissionWait()),
                "asked the user for call permission");
        return switch (api.sendTemplate(
                account, request.to(), template.get().name(), template.get().languageCode())) {
            case GraphApi.Answer.Ok ok -> {
                var messageId = ok.body().path("messages").path(0).path("id").asText("");
                permissions.requested(workspace, account.phoneNumberId(), request.to(), messageId, now);
                yield wait;
            }
            case GraphApi.Answer.Unavailable unavailable -> {
                // The request may have gone out: counted as sent, so that the user is not asked twice.
                permissions.requested(workspace, account.phoneNumberId(), request.to(), "", now);
                yield wait;
            }
            case GraphApi.Answer.Refused refused ->
                switch (refused.code()) {
                    case 138009 ->
                        new PlaceResult.Held(HoldReason.WHATSAPP_LIMIT, limitEnd(refused, now), refused.describe());
                    // A permanent permission exists after all: the next check sees it.
                    case 138017 -> new PlaceResult.Deferred(BUSY_RETRY, refused.describe());
                    case 613 -> new PlaceResult.Deferred(RATE_LIMITED, refused.describe());
                    default -> refusedCheck(refused);
                };
        };
    }

    /** A refusal that is not about this call's permission: the account's configuration, or this user. */
    private static PlaceResult refusedCheck(GraphApi.Answer.Refused refused) {
        if (isAccountError(refused)) {
            return new PlaceResult.Unusable("Meta refused the WhatsApp account: " + refused.describe());
        }
        if (refused.code() == 613 || refused.httpStatus() == 429) {
            return new PlaceResult.Deferred(RATE_LIMITED, refused.describe());
        }
        return new PlaceResult.Ended(
                new Outcome.Failed(refused.describe(), false),
                Optional.of("rejected:" + refused.code()),
                Optional.empty());
    }

    private static boolean isAccountError(GraphApi.Answer.Refused refused) {
        // 138006 also comes as 401: it is about one user's permission, never the token.
        return ACCOUNT_ERRORS.contains(refused.code())
                || (refused.httpStatus() == 401 && refused.code() != 138006)
                || refused.httpStatus() == 403;
    }

    private PlaceResult connect(
            CallRequest request, WhatsAppAccount account, URI url, GraphApi.Permission permission, Instant now) {
        MediaBridge media;
        try {
            media = MediaBridge.open(mediaPorts, true, random);
        } catch (IllegalStateException e) {
            // Every port of the range is in use: this node is full, another try later may find one.
            return new PlaceResult.Ended(
                    new Outcome.Failed(e.getMessage(), true), Optional.of("no media port"), Optional.empty());
        }
        var grant = agents.grant(new ConversationRef(request.attempt().workspaceId(), request.conversationId()));
        var parameters = new LinkedHashMap<String, String>(StreamParameters.fixed(request, grant));
        parameters.putAll(StreamParameters.variables(request));
        var call = new WhatsAppCalls.Call(request, account, media, url, parameters);
        // Known by attempt id before the request goes: Meta's webhooks can beat the connect's answer.
        calls.placing(call);
        var offer = media.offer(random.nextLong(1, Long.MAX_VALUE)).text();
        var answer = api.connect(account, request.to(), offer, request.attempt().attemptId());
        return switch (answer) {
            case GraphApi.Answer.Ok ok -> {
                var callId = ok.body().path("calls").path(0).path("id").asText("");
                if (callId.isBlank()) {
                    yield new PlaceResult.Unknown("Meta accepted the call without an id");
                }
                synchronized (call) {
                    if (call.callId == null) {
                        calls.placed(call, callId);
                    }
                }
                yield new PlaceResult.Accepted(callId);
            }
            case GraphApi.Answer.Unavailable unavailable ->
                // It may ring: never dialed again; its webhooks (by attempt id) can still end it.
                new PlaceResult.Unknown(unavailable.reason());
            case GraphApi.Answer.Refused refused -> {
                calls.forget(call);
                yield connectRefused(request, account, permission, refused, now);
            }
        };
    }

    /** A refused connect (reference §1.7): nothing was placed, so what follows is safe. */
    private PlaceResult connectRefused(
            CallRequest request,
            WhatsAppAccount account,
            GraphApi.Permission permission,
            GraphApi.Answer.Refused refused,
            Instant now) {
        return switch (refused.code()) {
            // The permission vanished between check and connect (expired, revoked): ask again if Meta allows.
            case 138006 -> ask(request, account, permission, now);
            case 138012, 138009 ->
                new PlaceResult.Held(HoldReason.WHATSAPP_LIMIT, limitEnd(refused, now), refused.describe());
            case 138002, 138005 -> new PlaceResult.Deferred(Duration.ofSeconds(5), refused.describe());
            case 138003 -> new PlaceResult.Deferred(BUSY_RETRY, refused.describe());
            case 138004, 138007 ->
                new PlaceResult.Ended(
                        new Outcome.Failed(refused.describe(), true),
                        Optional.of("rejected:" + refused.code()),
                        Optional.empty());
            default -> refusedCheck(refused);
        };
    }

    /** When a limit Meta reported frees up: a Unix time in its error_data details, else a day on. */
    static Instant limitEnd(GraphApi.Answer.Refused refused, Instant now) {
        var matcher = EPOCH.matcher(refused.details().orElse("") + " " + refused.message());
        if (matcher.find()) {
            var at = Instant.ofEpochSecond(Long.parseLong(matcher.group(1)));
            if (at.isAfter(now)) {
                return at;
            }
        }
        return now.plus(LIMIT_WAIT);
    }

    /** Stops a call that has not been answered: terminated at Meta, and it ends cancelled. */
    @Override
    public void cancel(CallRequest request, String providerCallId) {
        stop(request, providerCallId, true);
    }

    @Override
    public void hangUp(CallRequest request, String providerCallId) {
        stop(request, providerCallId, false);
    }

    private void stop(CallRequest request, String providerCallId, boolean cancel) {
        var found = calls.byCallId(providerCallId)
                .or(() -> calls.byAttempt(request.attempt().attemptId()));
        if (found.isEmpty()) {
            var account = WhatsAppAccount.of(request.from(), request.credentials(), config.graphVersion());
            account.ifPresent(a -> api.terminate(a, providerCallId));
            return;
        }
        var call = found.get();
        synchronized (call) {
            if (call.ended.isPresent()) {
                return;
            }
            call.cancelled = cancel && !call.accepted;
            calls.terminateAtMeta(call);
            // Meta's terminate webhook may never come for a call we ended: end it here; the webhook then changes
            // nothing.
            calls.end(call, call.cancelled ? new Outcome.Cancelled() : new Outcome.Completed(), "terminated");
        }
    }

    /**
     * A recipient now waits for its user's reply; if the reply came while the claim was being given back (there
     * was no held recipient for it to wake then), it is woken now. Both sides lock the workspace, so one of them
     * always sees the other.
     */
    @Override
    public void held(CallRequest request) {
        var workspace = request.attempt().workspaceId();
        var answered = permissions
                .find(workspace, request.from().id(), request.to())
                .filter(p -> p.status() != WhatsAppPermission.Status.REQUESTED);
        if (answered.isPresent()) {
            permissions.wakeHeld(workspace, request.from().id(), request.to(), clock.instant());
        }
    }

    /**
     * The Graph API has no call look-up: only the webhooks tell what became of a call. What this node saw of it is
     * all there is: an ended or answered call says so, one still ringing (the stale-call sweep asks past its ringing
     * timeout) is terminated as unanswered, and one it knows nothing of is unknown (its media, if any, released).
     */
    @Override
    public CallState reconcile(CallRequest request, Optional<String> providerCallId) {
        var found = providerCallId
                .flatMap(calls::byCallId)
                .or(() -> calls.byAttempt(request.attempt().attemptId()));
        if (found.isEmpty()) {
            return new CallState.Unknown("the Graph API has no call look-up, and this node holds no such call");
        }
        var call = found.get();
        synchronized (call) {
            if (call.ended.isPresent()) {
                return new CallState.Ended(call.ended.get(), call.endedStatus, Optional.empty());
            }
            if (call.connected || call.accepted) {
                return new CallState.Answered(call.callId);
            }
            if (call.callId != null) {
                // Asked only once the call rang past its ringing timeout (Meta documents no ring time of its own):
                // it is ended at Meta and here, unanswered.
                calls.terminateAtMeta(call);
                calls.end(call, new Outcome.NoAnswer(), "ring timeout");
                return new CallState.Ended(new Outcome.NoAnswer(), Optional.of("ring timeout"), Optional.empty());
            }
            calls.forget(call);
            log.info("WhatsApp call given up attemptId={}", request.attempt().attemptId());
            return new CallState.Unknown("the Graph API has no call look-up, and no webhook named this call");
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
