package io.batchcall.telephony.twilio;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.CallEvent;
import io.batchcall.domain.ConversationRef;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.Provider;
import io.batchcall.telephony.AgentAccess;
import io.batchcall.telephony.CallEventSink;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.CallState;
import io.batchcall.telephony.CallbackUrls;
import io.batchcall.telephony.OwnedCalls;
import io.batchcall.telephony.PlaceResult;
import io.batchcall.telephony.RecentCalls;
import io.batchcall.telephony.StreamParameters;
import io.batchcall.telephony.TelephonyProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places calls through Twilio's REST API and turns its status callbacks into attempt events. A create request is
 * sent once: if Twilio's answer is lost the call is looked up ({@link #reconcile}), never dialed again.
 */
public final class TwilioProvider implements TelephonyProvider, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TwilioProvider.class);
    /** Account-wide refusals: every call from this number would meet them, so the batch fails instead. */
    private static final Set<Integer> ACCOUNT_ERRORS = Set.of(20003, 20005, 20404, 21210, 21212);
    /** How far back a look-up searches when this node did not send the request itself (it took over a lease). */
    private static final Duration LOOK_UP_WINDOW = Duration.ofMinutes(15);
    /** Clocks differ: a call may show as created slightly before we sent its request. */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

    private final HttpClient http;
    private final TwilioApi api;
    private final CallbackUrls callbacks;
    private final AgentAccess agents;
    private final CallEventSink events;
    private final OwnedCalls owned;
    private final Clock clock;
    private final EgressPolicy egress;
    /** When each request whose answer was lost went out, for the look-up that follows; removed by it. */
    private final Map<String, Instant> unanswered = new ConcurrentHashMap<>();
    /** The SIDs this node's creates got back, until the look-up window has passed. */
    private final RecentCalls created = new RecentCalls(LOOK_UP_WINDOW.plus(CLOCK_SKEW));

    public TwilioProvider(
            String apiBase,
            TwilioLimits limits,
            CallbackUrls callbacks,
            AgentAccess agents,
            CallEventSink events,
            OwnedCalls owned,
            Clock clock,
            EgressPolicy egress) {
        this.http =
                HttpClient.newBuilder().connectTimeout(limits.requestTimeout()).build();
        this.api = new TwilioApi(http, apiBase, limits);
        this.callbacks = callbacks;
        this.agents = agents;
        this.events = events;
        this.owned = owned;
        this.clock = clock;
        this.egress = egress;
    }

    /**
     * The TwiML that connects a call the user placed through their own Twilio account to the agent's media
     * stream (register-call): the same Connect/Stream document this provider's own calls run, with the
     * conversation's id, the agent's token and URL, and the dynamic variables as stream parameters.
     */
    public static String connectTwiml(
            String mediaStreamUrl, String conversationId, AgentAccess.Grant agent, Optional<String> clientDataJson) {
        return TwilioCallForm.twiml(
                mediaStreamUrl,
                StreamParameters.fixed(conversationId, agent),
                StreamParameters.variables(clientDataJson));
    }

    @Override
    public Provider kind() {
        return Provider.TWILIO;
    }

    @Override
    public PlaceResult place(CallRequest request) {
        var account = TwilioAccount.of(request.from().settingsJson(), request.credentials());
        if (account.isEmpty()) {
            return new PlaceResult.Unusable("phone number " + request.from().id() + " has no Twilio sid and token");
        }
        var callback = callbacks.statusCallback(Provider.TWILIO, request.attempt());
        if (callback.isEmpty()) {
            return new PlaceResult.Unusable(
                    "BATCHCALL_PUBLIC_URL is not set: Twilio calls need a public URL for" + " their status callbacks");
        }
        var stream = request.agent().mediaStreamUrl();
        var sipUri = request.agent().sipUri();
        if (stream.isEmpty() && sipUri.isEmpty()) {
            return new PlaceResult.Unusable("agent " + request.agent().id() + " has no media_stream_url and no"
                    + " sip_uri: a Twilio call has nowhere to connect the agent");
        }
        // Twilio connects to it, but an address that resolves to our own network or a metadata service now (DNS
        // can change after the agent was saved) is not sent anywhere.
        var refusal = stream.isPresent()
                ? hostOf(stream.get()).flatMap(egress::refusal)
                : TwilioCallForm.sipHost(sipUri.get()).flatMap(egress::refusal);
        if (refusal.isPresent()) {
            return new PlaceResult.Unusable((stream.isPresent()
                            ? "the agent's media_stream_url is refused: "
                            : "the agent's sip_uri is refused: ")
                    + refusal.get());
        }
        var agent = agents.grant(new ConversationRef(request.attempt().workspaceId(), request.conversationId()));
        // An agent with a media stream is streamed to, as before; one with only a SIP URI is dialed over SIP.
        var twiml = stream.isPresent()
                ? TwilioCallForm.twiml(request, stream.get(), agent)
                : TwilioCallForm.dialSip(request, sipUri.get(), agent);
        if (twiml.length() > TwilioCallForm.MAX_TWIML_CHARS) {
            return new PlaceResult.Unusable("the agent's "
                    + (stream.isPresent() ? "media_stream_url" : "sip_uri")
                    + " makes the call's TwiML longer than Twilio accepts (" + TwilioCallForm.MAX_TWIML_CHARS
                    + " characters)");
        }
        var sentAt = clock.instant();
        var answer = api.createCall(account.get(), TwilioCallForm.create(request, twiml, callback.get()));
        return switch (answer) {
            case TwilioApi.Response.Ok ok -> {
                var sid = ok.body().path("sid").asText();
                created.remember(sid, request.attempt(), sentAt);
                yield new PlaceResult.Accepted(sid);
            }
            case TwilioApi.Response.Refused refused -> refused(request, refused);
            case TwilioApi.Response.Unavailable unavailable -> {
                unanswered.put(request.attempt().attemptId(), sentAt);
                yield new PlaceResult.Unknown(unavailable.reason());
            }
        };
    }

    private static Optional<String> hostOf(String url) {
        try {
            return Optional.ofNullable(new URI(url).getHost());
        } catch (URISyntaxException e) {
            return Optional.empty(); // the agents API accepts only valid URLs
        }
    }

    private static PlaceResult refused(CallRequest request, TwilioApi.Response.Refused refused) {
        var what = "Twilio refused the call: " + refused.code() + " " + refused.message();
        if (refused.httpStatus() == 401 || refused.httpStatus() == 403 || ACCOUNT_ERRORS.contains(refused.code())) {
            return new PlaceResult.Unusable("Twilio rejected phone number "
                    + request.from().id() + ": " + refused.code() + " " + refused.message());
        }
        // Still rate limited after every retry: nothing was placed, so a later retry of the recipient is safe.
        boolean retryable = refused.httpStatus() == 429;
        return new PlaceResult.Ended(new Outcome.Failed(what, retryable), Optional.of("rejected"), Optional.empty());
    }

    @Override
    public void cancel(CallRequest request, String providerCallId) {
        // Only a queued or ringing call is cancelled; Twilio ignores this for a call in progress.
        update(request, providerCallId, "canceled");
    }

    @Override
    public void hangUp(CallRequest request, String providerCallId) {
        update(request, providerCallId, "completed");
    }

    private void update(CallRequest request, String callSid, String status) {
        TwilioAccount.of(request.from().settingsJson(), request.credentials()).ifPresent(account -> {
            var answer = api.updateCall(account, callSid, List.of(Map.entry("Status", status)));
            if (!(answer instanceof TwilioApi.Response.Ok)) {
                log.warn(
                        "Twilio did not update a call attemptId={} status={} answer={}",
                        request.attempt().attemptId(),
                        status,
                        answer);
            }
        });
    }

    /**
     * Asks Twilio what became of an attempt: by its call SID when known, otherwise by the calls from its number
     * to its recipient since the request went out, leaving out calls another attempt owns ({@link OwnedCalls}):
     * exactly one must remain, or the state is unknown.
     */
    @Override
    public CallState reconcile(CallRequest request, Optional<String> providerCallId) {
        var sentAt = Optional.ofNullable(unanswered.remove(request.attempt().attemptId()));
        var account = TwilioAccount.of(request.from().settingsJson(), request.credentials());
        if (account.isEmpty()) {
            return new CallState.Unknown("its number has no Twilio sid and token to ask with");
        }
        if (providerCallId.isPresent()) {
            return switch (api.fetchCall(account.get(), providerCallId.get())) {
                case TwilioApi.Response.Ok ok -> state(ok.body());
                case TwilioApi.Response.Refused refused ->
                    new CallState.Unknown(
                            "Twilio does not know call " + providerCallId.get() + " (" + refused.httpStatus() + ")");
                case TwilioApi.Response.Unavailable unavailable -> new CallState.Unknown(unavailable.reason());
            };
        }
        var since =
                sentAt.orElseGet(() -> clock.instant().minus(LOOK_UP_WINDOW)).minus(CLOCK_SKEW);
        var query = List.of(
                Map.entry("To", request.to()),
                Map.entry("From", request.from().phoneNumber()),
                Map.entry("StartTime>", DateTimeFormatter.ISO_LOCAL_DATE.format(since.atZone(ZoneOffset.UTC))),
                Map.entry("PageSize", "50"));
        return switch (api.listCalls(account.get(), query)) {
            case TwilioApi.Response.Ok ok -> matching(request.attempt(), ok.body(), since);
            case TwilioApi.Response.Refused refused ->
                new CallState.Unknown("Twilio refused the look-up: " + refused.code() + " " + refused.message());
            case TwilioApi.Response.Unavailable unavailable -> new CallState.Unknown(unavailable.reason());
        };
    }

    /**
     * The one listed call that can be this attempt's: created since its request went out and not owned by another
     * of our attempts. None or several: unknown, and the attempt ends interrupted rather than follow another
     * attempt's call or dial again.
     */
    private CallState matching(AttemptRef attempt, JsonNode page, Instant since) {
        var listed = StreamSupport.stream(page.path("calls").spliterator(), false)
                .filter(call -> created(call).map(at -> !at.isBefore(since)).orElse(true))
                .toList();
        Set<String> taken;
        try {
            taken = taken(
                    attempt,
                    listed.stream().map(call -> call.path("sid").asText()).toList());
        } catch (RuntimeException e) {
            return new CallState.Unknown("could not check which listed calls other attempts own: " + e);
        }
        var calls = listed.stream()
                .filter(call -> !taken.contains(call.path("sid").asText()))
                .toList();
        if (calls.size() == 1) {
            return state(calls.getFirst());
        }
        if (calls.isEmpty()) {
            return new CallState.Unknown(
                    switch (listed.size()) {
                        case 0 -> "Twilio lists no such call";
                        case 1 -> "Twilio lists one such call, placed by another attempt";
                        default -> "Twilio lists " + listed.size() + " such calls, each placed by another attempt";
                    });
        }
        return new CallState.Unknown("Twilio lists " + calls.size() + " calls that could be it");
    }

    /** The SIDs among {@code sids} that another attempt holds: created on this node, or recorded by any node. */
    private Set<String> taken(AttemptRef attempt, List<String> sids) {
        if (sids.isEmpty()) {
            return Set.of();
        }
        var taken = new HashSet<>(owned.ownedByOthers(attempt, Provider.TWILIO, sids));
        taken.addAll(created.placedForOthers(attempt, sids));
        return taken;
    }

    private static Optional<Instant> created(JsonNode call) {
        try {
            return Optional.of(
                    ZonedDateTime.parse(call.path("date_created").asText(), DateTimeFormatter.RFC_1123_DATE_TIME)
                            .toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static CallState state(JsonNode call) {
        var answeredBy = Optional.of(call.path("answered_by").asText("")).filter(by -> !by.isEmpty());
        return TwilioStatus.of(call.path("sid").asText(), call.path("status").asText(), Optional.empty(), answeredBy);
    }

    /** A call's recording, fetched from Twilio with the account of the number that placed the call. */
    public Optional<java.io.InputStream> recording(
            String settingsJson, Map<String, String> credentials, String recordingSid) {
        return TwilioAccount.of(settingsJson, credentials).flatMap(account -> api.recording(account, recordingSid));
    }

    /**
     * A status callback whose signature was verified. Reported through the sink, which only moves an attempt
     * forward: a duplicate or a callback older than one already seen (a lower {@code SequenceNumber}) is always
     * for an earlier or equal phase, so it changes nothing, and no sequence number needs to be stored.
     */
    public void onStatusCallback(AttemptRef attempt, Map<String, String> params) {
        var answeredBy = Optional.ofNullable(params.get("AnsweredBy")).filter(by -> !by.isBlank());
        var status = params.get("CallStatus");
        if (status == null) {
            // Asynchronous machine detection's result: the call goes on (the agent may leave a message), so the
            // attempt keeps its slot until Twilio's terminal callback; the verdict is recorded and makes that end
            // a voicemail.
            answeredBy.ifPresent(by -> events.report(new CallEvent.MachineDetected(attempt, by)));
            return;
        }
        var sipCode = Optional.ofNullable(params.get("SipResponseCode")).flatMap(TwilioProvider::integer);
        switch (TwilioStatus.of(params.getOrDefault("CallSid", ""), status, sipCode, answeredBy)) {
            case CallState.Ringing ringing -> {
                if (status.equals("ringing")) {
                    events.ringing(attempt);
                }
            }
            case CallState.Answered answered -> events.answered(attempt);
            case CallState.Ended ended -> {
                if (status.equals("completed")) {
                    // Completed calls were answered, even when the answered callback is late or lost.
                    events.answered(attempt);
                }
                events.ended(attempt, ended.outcome(), ended.providerStatus(), ended.sipCode());
            }
            case CallState.Unknown unknown ->
                log.warn("Twilio callback ignored attemptId={} reason={}", attempt.attemptId(), unknown.reason());
        }
    }

    /**
     * A call Twilio reports live ({@code callStatus} queued, initiated, ringing or in-progress) for an attempt that
     * has ended without Twilio saying how (its create's answer was lost and the look-up did not find the call yet,
     * say): no attempt counts it against the limits any more, and its recipient may be called again, so it is ended
     * now, cancelled before it is answered and hung up after. Returns whether Twilio was asked to end it.
     */
    public boolean endOutlivedCall(
            AttemptRef attempt,
            String settingsJson,
            Map<String, String> credentials,
            String callSid,
            String callStatus) {
        var state = TwilioStatus.of(callSid, callStatus, Optional.empty(), Optional.empty());
        if (!(state instanceof CallState.Ringing || state instanceof CallState.Answered) || callSid.isBlank()) {
            return false;
        }
        var account = TwilioAccount.of(settingsJson, credentials);
        if (account.isEmpty()) {
            log.warn(
                    "A Twilio call outlived its attempt and cannot be ended: its number has no sid and token"
                            + " attemptId={}",
                    attempt.attemptId());
            return false;
        }
        var status = state instanceof CallState.Answered ? "completed" : "canceled";
        var answer = api.updateCall(account.get(), callSid, List.of(Map.entry("Status", status)));
        log.warn(
                "A Twilio call outlived its attempt, which had ended without it; asked Twilio to end it attemptId={}"
                        + " callStatus={} requested={} answer={}",
                attempt.attemptId(),
                callStatus,
                status,
                answer instanceof TwilioApi.Response.Ok ? "ok" : answer);
        return true;
    }

    private static Optional<Integer> integer(String text) {
        try {
            return Optional.of(Integer.parseInt(text.strip()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
