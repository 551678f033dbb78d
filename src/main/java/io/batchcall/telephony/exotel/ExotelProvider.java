package io.batchcall.telephony.exotel;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.Provider;
import io.batchcall.telephony.CallEventSink;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.CallState;
import io.batchcall.telephony.CallbackUrls;
import io.batchcall.telephony.OwnedCalls;
import io.batchcall.telephony.PlaceResult;
import io.batchcall.telephony.RecentCalls;
import io.batchcall.telephony.RequestBudget;
import io.batchcall.telephony.TelephonyProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
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
 * Places calls through Exotel's {@code Calls/connect} and turns its status callbacks into attempt events. A
 * connect request is sent once: if Exotel's answer is lost the call is looked up ({@link #reconcile}), never
 * dialed again.
 */
public final class ExotelProvider implements TelephonyProvider, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExotelProvider.class);
    /** Exotel's dates are India time, without a zone. */
    private static final ZoneId EXOTEL_TIME = ZoneId.of("Asia/Kolkata");

    private static final DateTimeFormatter EXOTEL_DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    /** How far back a look-up searches when this node did not send the request itself (it took over a lease). */
    private static final Duration LOOK_UP_WINDOW = Duration.ofMinutes(15);
    /** Clocks differ: a call may show as created slightly before we sent its request. */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

    private final HttpClient http;
    private final ExotelApi api;
    private final CallbackUrls callbacks;
    private final CallEventSink events;
    private final OwnedCalls owned;
    private final Clock clock;
    private final EgressPolicy egress;
    private final ExotelLimits limits;
    /** When each request whose answer was lost went out, for the look-up that follows; removed by it. */
    private final Map<String, Instant> unanswered = new ConcurrentHashMap<>();
    /** The Sids this node's connects got back, until the look-up window has passed. */
    private final RecentCalls connected = new RecentCalls(LOOK_UP_WINDOW.plus(CLOCK_SKEW));

    public ExotelProvider(
            Optional<String> apiBase,
            ExotelLimits limits,
            RequestBudget budget,
            CallbackUrls callbacks,
            CallEventSink events,
            OwnedCalls owned,
            Clock clock,
            EgressPolicy egress) {
        this.http =
                HttpClient.newBuilder().connectTimeout(limits.requestTimeout()).build();
        this.api = new ExotelApi(http, apiBase, limits, budget, clock);
        this.callbacks = callbacks;
        this.events = events;
        this.owned = owned;
        this.clock = clock;
        this.egress = egress;
        this.limits = limits;
    }

    @Override
    public Provider kind() {
        return Provider.EXOTEL;
    }

    @Override
    public PlaceResult place(CallRequest request) {
        var account = ExotelAccount.of(request.from().settingsJson(), request.credentials());
        if (account.isEmpty()) {
            return new PlaceResult.Unusable("phone number " + request.from().id() + " has no Exotel account SID,"
                    + " API key, token and subdomain");
        }
        var callback = callbacks.statusCallback(Provider.EXOTEL, request.attempt());
        if (callback.isEmpty()) {
            return new PlaceResult.Unusable(
                    "BATCHCALL_PUBLIC_URL is not set: Exotel calls need a public URL for" + " their status callbacks");
        }
        Optional<String> stream = Optional.empty();
        if (account.get().agentStream()) {
            var url = request.agent().mediaStreamUrl();
            if (url.isEmpty()) {
                return new PlaceResult.Unusable("phone number " + request.from().id() + " streams calls to the agent,"
                        + " but agent " + request.agent().id() + " has no media_stream_url");
            }
            // Exotel connects to it, but a URL that resolves to our own network or a metadata service now (DNS
            // can change after the agent was saved) is not sent anywhere.
            var refusal = hostOf(url.get()).flatMap(egress::refusal);
            if (refusal.isPresent()) {
                return new PlaceResult.Unusable("the agent's media_stream_url is refused: " + refusal.get());
            }
            if (url.get().length() > ExotelCallForm.MAX_STREAM_URL_CHARS) {
                return new PlaceResult.Unusable("the agent's media_stream_url is longer than Exotel accepts ("
                        + ExotelCallForm.MAX_STREAM_URL_CHARS + " characters)");
            }
            stream = url;
        } else if (account.get().appId().isBlank() && account.get().appletUrl().isEmpty()) {
            return new PlaceResult.Unusable("phone number " + request.from().id() + " has no app_id: an Exotel"
                    + " call has no flow to connect the agent");
        }
        var sentAt = clock.instant();
        var answer = api.connect(
                account.get(),
                ExotelCallForm.connect(request, account.get(), stream, callback.get()),
                request.stillToDial());
        return switch (answer) {
            case ExotelApi.Response.Ok ok -> {
                var sid = call(ok.body()).path("Sid").asText("");
                if (sid.isBlank()) {
                    unanswered.put(request.attempt().attemptId(), sentAt);
                    yield new PlaceResult.Unknown("Exotel accepted the call without a Sid");
                }
                connected.remember(sid, request.attempt(), sentAt);
                yield new PlaceResult.Accepted(sid);
            }
            case ExotelApi.Response.Refused refused -> refused(request, refused);
            case ExotelApi.Response.Unavailable unavailable -> {
                unanswered.put(request.attempt().attemptId(), sentAt);
                yield new PlaceResult.Unknown(unavailable.reason());
            }
            // Nothing sent: placed again at once, the dispatcher asks its gate and ends, gives back or dials it.
            case ExotelApi.Response.Withdrawn withdrawn ->
                new PlaceResult.Deferred(Duration.ZERO, "withdrawn while it waited for the account's request slot");
            case ExotelApi.Response.NoSlot noSlot ->
                new PlaceResult.Deferred(
                        limits.deferral(),
                        "Exotel account "
                                + account.get().sid() + " has no request slot free within "
                                + limits.dialSlotWait().toSeconds()
                                + " s");
        };
    }

    private static Optional<String> hostOf(String url) {
        try {
            return Optional.ofNullable(new URI(url).getHost());
        } catch (URISyntaxException e) {
            return Optional.empty(); // the agents API accepts only valid URLs
        }
    }

    private static PlaceResult refused(CallRequest request, ExotelApi.Response.Refused refused) {
        int status = refused.httpStatus();
        if (status == 401 || status == 403 || status == 404) {
            // Credentials or account SID wrong: every call from this number would meet the same answer.
            return new PlaceResult.Unusable("Exotel rejected phone number "
                    + request.from().id() + ": HTTP " + status + " " + refused.message());
        }
        if (status == 402) {
            return new PlaceResult.Unusable("Exotel refused calls from phone number "
                    + request.from().id() + ": HTTP 402 (account balance or plan) " + refused.message());
        }
        // Still rate limited after every retry, or never sent: nothing was placed, so a later retry is safe.
        boolean retryable = status == 429 || status == ExotelApi.NOT_SENT;
        return new PlaceResult.Ended(
                new Outcome.Failed("Exotel refused the call: HTTP " + status + " " + refused.message(), retryable),
                Optional.of("rejected"),
                Optional.empty());
    }

    /**
     * Exotel documents no way to cancel a ringing {@code Calls/connect} call: it rings out at {@code TimeOut}, and
     * its terminal callback ends the attempt.
     */
    @Override
    public void cancel(CallRequest request, String providerCallId) {
        log.info(
                "Exotel has no cancel for a ringing call; it rings out at its timeout attemptId={}",
                request.attempt().attemptId());
    }

    /** Nor a hang-up: the call ends when either side hangs up, or at {@code TimeLimit}. */
    @Override
    public void hangUp(CallRequest request, String providerCallId) {
        log.info(
                "Exotel has no hang-up for a call in progress; it ends with either side or at its time limit"
                        + " attemptId={}",
                request.attempt().attemptId());
    }

    /**
     * Asks Exotel what became of an attempt: by its call Sid when known (call details), otherwise by the calls to
     * its recipient since the request went out, leaving out calls another attempt owns ({@link OwnedCalls}):
     * exactly one must remain, or the state is unknown.
     */
    @Override
    public CallState reconcile(CallRequest request, Optional<String> providerCallId) {
        var sentAt = Optional.ofNullable(unanswered.remove(request.attempt().attemptId()));
        var account = ExotelAccount.of(request.from().settingsJson(), request.credentials());
        if (account.isEmpty()) {
            return new CallState.Unknown("its number has no Exotel credentials to ask with");
        }
        if (providerCallId.isPresent()) {
            return switch (api.details(account.get(), providerCallId.get())) {
                case ExotelApi.Response.Ok ok -> state(call(ok.body()));
                case ExotelApi.Response.Refused refused ->
                    new CallState.Unknown(
                            "Exotel does not know call " + providerCallId.get() + " (" + refused.httpStatus() + ")");
                case ExotelApi.Response.Unavailable unavailable -> new CallState.Unknown(unavailable.reason());
                case ExotelApi.Response.NoSlot noSlot -> new CallState.Unknown("no request slot for the look-up");
                case ExotelApi.Response.Withdrawn withdrawn -> new CallState.Unknown("the look-up was withdrawn");
            };
        }
        var since =
                sentAt.orElseGet(() -> clock.instant().minus(LOOK_UP_WINDOW)).minus(CLOCK_SKEW);
        var query = List.of(
                Map.entry("From", request.to()),
                Map.entry("DateCreated", "gte:" + EXOTEL_DATE.format(since.atZone(EXOTEL_TIME))),
                Map.entry("PageSize", "50"));
        return switch (api.list(account.get(), query)) {
            case ExotelApi.Response.Ok ok -> matching(request.attempt(), ok.body(), since);
            case ExotelApi.Response.Refused refused ->
                new CallState.Unknown(
                        "Exotel refused the look-up: HTTP " + refused.httpStatus() + " " + refused.message());
            case ExotelApi.Response.Unavailable unavailable -> new CallState.Unknown(unavailable.reason());
            case ExotelApi.Response.NoSlot noSlot -> new CallState.Unknown("no request slot for the look-up");
            case ExotelApi.Response.Withdrawn withdrawn -> new CallState.Unknown("the look-up was withdrawn");
        };
    }

    /** The one listed call that can be this attempt's; none or several: unknown, and the attempt ends interrupted. */
    private CallState matching(AttemptRef attempt, JsonNode page, Instant since) {
        var listed = StreamSupport.stream(page.path("Calls").spliterator(), false)
                .filter(call -> created(call).map(at -> !at.isBefore(since)).orElse(true))
                .toList();
        var sids = listed.stream().map(call -> call.path("Sid").asText()).toList();
        // Taken: recorded by any node for another attempt, or got back by this node's connect for one.
        var taken = new HashSet<>(connected.placedForOthers(attempt, sids));
        try {
            taken.addAll(sids.isEmpty() ? Set.of() : owned.ownedByOthers(attempt, Provider.EXOTEL, sids));
        } catch (RuntimeException e) {
            return new CallState.Unknown("could not check which listed calls other attempts own: " + e);
        }
        var calls = listed.stream()
                .filter(call -> !taken.contains(call.path("Sid").asText()))
                .toList();
        if (calls.size() == 1) {
            return state(calls.getFirst());
        }
        return new CallState.Unknown(
                calls.isEmpty()
                        ? (listed.isEmpty()
                                ? "Exotel lists no such call"
                                : "Exotel lists only calls other attempts placed")
                        : "Exotel lists " + calls.size() + " calls that could be it");
    }

    private static Optional<Instant> created(JsonNode call) {
        try {
            return Optional.of(LocalDateTime.parse(call.path("DateCreated").asText(), EXOTEL_DATE)
                    .atZone(EXOTEL_TIME)
                    .toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The {@code Call} object of a details answer (or the call itself, in a list). */
    private static JsonNode call(JsonNode body) {
        return body.has("Call") ? body.path("Call") : body;
    }

    private static CallState state(JsonNode call) {
        var answeredBy = Optional.of(call.path("AnsweredBy").asText("")).filter(by -> !by.isBlank());
        return ExotelStatus.of(call.path("Sid").asText(), call.path("Status").asText(), answeredBy);
    }

    /**
     * A status callback whose URL token was checked. Reported through the sink, which only moves an attempt
     * forward: a duplicate or a late {@code answered} after the terminal one changes nothing.
     */
    public void onStatusCallback(AttemptRef attempt, Map<String, String> params) {
        var status = params.getOrDefault("Status", "");
        var eventType = params.getOrDefault("EventType", "terminal");
        if (eventType.equals("answered")) {
            events.answered(attempt);
            return;
        }
        // The customer is dialed first, so the first leg is theirs.
        var answeredBy = Optional.ofNullable(params.get("Legs[0][AnsweredBy]"))
                .or(() -> Optional.ofNullable(params.get("AnsweredBy")))
                .filter(by -> !by.isBlank());
        switch (ExotelStatus.of(params.getOrDefault("CallSid", ""), status, answeredBy)) {
            case CallState.Ringing ringing -> events.ringing(attempt);
            case CallState.Answered answered -> events.answered(attempt);
            case CallState.Ended ended -> {
                if (status.equals("completed")) {
                    // Completed calls were answered, even when the answered callback is late or lost.
                    events.answered(attempt);
                }
                events.ended(attempt, ended.outcome(), ended.providerStatus(), ended.sipCode());
            }
            case CallState.Unknown unknown ->
                log.warn("Exotel callback ignored attemptId={} reason={}", attempt.attemptId(), unknown.reason());
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
