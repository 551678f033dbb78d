package io.batchcall.telephony.twilio;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.batchcall.support.Body.array;
import static io.batchcall.support.Body.object;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.batchcall.domain.Agent;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.MachineDetection;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.support.FakeTwilio;
import io.batchcall.support.MutableClock;
import io.batchcall.telephony.AgentAccess;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.CallState;
import io.batchcall.telephony.CallbackUrls;
import io.batchcall.telephony.PlaceResult;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Twilio provider's real HTTP client against WireMock on loopback: every answer Twilio can give a request. */
class TwilioProviderTest {
    private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");
    private static final AttemptRef ATTEMPT = new AttemptRef(new WorkspaceId("ws_1"), "att_1");
    private static final String CALLBACK = "https://batchcall.example.test/callbacks/twilio/ws_1/att_1/token";
    /**
     * A request timeout far above a loopback answer even on a loaded machine (a timeout that fires early makes a
     * 503 look like a timeout), and far below the slow answer of the timeout test.
     */
    private static final AgentAccess AGENT = conversation -> new AgentAccess.Grant(
            "ws_1.tok", "https://batchcall.example.test/agent/v1/conversations/" + conversation.conversationId());

    private static final TwilioLimits FAST = new TwilioLimits(Duration.ofSeconds(2), Duration.ofMillis(10), 3);

    private static FakeTwilio twilio;
    private RecordingSink sink;
    private TwilioProvider provider;
    /** The call SIDs other attempts hold, as the attempts table would say. */
    private final Set<String> ownedElsewhere = new HashSet<>();

    @BeforeAll
    static void startFake() {
        twilio = new FakeTwilio();
    }

    @AfterAll
    static void stopFake() {
        twilio.close();
    }

    @BeforeEach
    void reset() {
        twilio.acceptCalls();
        sink = new RecordingSink();
        provider = provider((kind, attempt) -> Optional.of(CALLBACK));
    }

    private TwilioProvider provider(CallbackUrls callbacks) {
        return new TwilioProvider(
                twilio.baseUrl(),
                FAST,
                callbacks,
                AGENT,
                sink,
                (attempt, kind, sids) -> {
                    assertThat(attempt).isEqualTo(ATTEMPT);
                    assertThat(kind).isEqualTo(Provider.TWILIO);
                    return sids.stream().filter(ownedElsewhere::contains).collect(Collectors.toSet());
                },
                new MutableClock(NOW),
                new EgressPolicy(true, EgressPolicy::systemResolve));
    }

    static CallRequest request(TelephonyCallConfig config, Optional<String> mediaStreamUrl) {
        var number = new PhoneNumber(
                ATTEMPT.workspaceId(),
                "phnum_1",
                Provider.TWILIO,
                "+14155550100",
                "Main",
                Optional.empty(),
                object("sid", FakeTwilio.ACCOUNT).toString(),
                true,
                BigDecimal.ONE,
                false,
                true,
                NOW,
                NOW);
        var agent = new Agent(
                ATTEMPT.workspaceId(),
                "agent_1",
                "Agent",
                "{}",
                "[]",
                Optional.empty(),
                mediaStreamUrl,
                Optional.empty(),
                NOW,
                NOW);
        return new CallRequest(
                ATTEMPT,
                "btcal_1",
                "rcpt_1",
                "+14155550199",
                number,
                Map.of("token", FakeTwilio.AUTH_TOKEN),
                agent,
                config,
                "conv_1",
                Optional.empty());
    }

    private static CallRequest request() {
        return request(
                new TelephonyCallConfig(25, false, Optional.empty()),
                Optional.of("wss://agent.example.test/media?a=1&b=2"));
    }

    @Test
    void a_media_stream_url_that_resolves_to_a_metadata_address_at_dial_time_is_refused_without_calling_twilio() {
        // The name was fine when the agent was saved; now it resolves to the cloud metadata service.
        var rebound = new TwilioProvider(
                twilio.baseUrl(),
                FAST,
                (kind, attempt) -> Optional.of(CALLBACK),
                AGENT,
                sink,
                (attempt, kind, sids) -> java.util.Set.of(),
                new MutableClock(NOW),
                new EgressPolicy(
                        true,
                        host -> host.equals("agent.example.test")
                                ? List.of(java.net.InetAddress.getByName("169.254.169.254"))
                                : EgressPolicy.systemResolve(host)));
        int before = twilio.creates().size();

        var result = rebound.place(request());

        assertThat(result)
                .isInstanceOfSatisfying(
                        PlaceResult.Unusable.class,
                        unusable -> assertThat(unusable.reason())
                                .isEqualTo(
                                        "the agent's media_stream_url is refused: agent.example.test"
                                                + " (169.254.169.254) is a link-local address (cloud metadata services live there)"));
        assertThat(twilio.creates()).hasSize(before);
    }

    @Test
    void a_call_is_created_with_every_field_twilio_needs_and_basic_auth() {
        var result = provider.place(request(
                new TelephonyCallConfig(25, true, Optional.of(MachineDetection.DETECT_MESSAGE_END)),
                Optional.of("wss://agent.example.test/media?a=1&b=2")));

        var create = twilio.creates().getFirst();
        assertThat(result).isEqualTo(new PlaceResult.Accepted(create.sid()));
        assertThat(create.sid()).startsWith("CA").hasSize(34);
        assertThat(create.field("To")).isEqualTo("+14155550199");
        assertThat(create.field("From")).isEqualTo("+14155550100");
        assertThat(create.field("Timeout")).isEqualTo("25");
        assertThat(create.field("StatusCallback")).isEqualTo(CALLBACK);
        assertThat(create.field("StatusCallbackMethod")).isEqualTo("POST");
        assertThat(create.form().get("StatusCallbackEvent"))
                .containsExactly("initiated", "ringing", "answered", "completed");
        assertThat(create.field("Twiml"))
                .isEqualTo("<Response><Connect><Stream"
                        + " url=\"wss://agent.example.test/media?a=1&amp;b=2\">"
                        + "<Parameter name=\"conversation_id\" value=\"conv_1\"/>"
                        + "<Parameter name=\"batch_id\" value=\"btcal_1\"/>"
                        + "<Parameter name=\"recipient_id\" value=\"rcpt_1\"/>"
                        + "<Parameter name=\"batchcall_token\" value=\"ws_1.tok\"/>"
                        + "<Parameter name=\"batchcall_url\""
                        + " value=\"https://batchcall.example.test/agent/v1/conversations/conv_1\"/>"
                        + "</Stream></Connect></Response>");
        assertThat(create.field("Record")).isEqualTo("true");
        assertThat(create.field("MachineDetection")).isEqualTo("DetectMessageEnd");
        assertThat(create.field("AsyncAmd")).isEqualTo("true");
        assertThat(create.field("AsyncAmdStatusCallback")).isEqualTo(CALLBACK);
        assertThat(create.authorization())
                .isEqualTo("Basic "
                        + Base64.getEncoder()
                                .encodeToString((FakeTwilio.ACCOUNT + ":" + FakeTwilio.AUTH_TOKEN)
                                        .getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void the_recipients_dynamic_variables_go_as_stream_parameters_as_far_as_twilios_twiml_limit_allows() {
        var big = "x".repeat(3_000);
        var base = request();
        var request = new CallRequest(
                base.attempt(),
                base.batchId(),
                base.recipientId(),
                base.to(),
                base.from(),
                base.credentials(),
                base.agent(),
                base.callConfig(),
                base.conversationId(),
                Optional.of(object(
                                "dynamic_variables",
                                object().field("first_name", "Ann & <Bo>")
                                        // A BigDecimal, so it stays 12.50 as the TwiML must show it.
                                        .field("balance", new BigDecimal("12.50"))
                                        .field("vip", true)
                                        .field("notes", big)
                                        .field("too_much", big)
                                        .field("city", "Köln"))
                        .toString()));

        var result = provider.place(request);

        assertThat(result).isInstanceOf(PlaceResult.Accepted.class);
        var twiml = twilio.creates().getFirst().field("Twiml");
        assertThat(twiml)
                .hasSizeLessThanOrEqualTo(4_000)
                .contains("<Parameter name=\"var_first_name\" value=\"Ann &amp; &lt;Bo&gt;\"/>"
                        + "<Parameter name=\"var_balance\" value=\"12.50\"/>"
                        + "<Parameter name=\"var_vip\" value=\"true\"/>"
                        + "<Parameter name=\"var_notes\" value=\"" + big + "\"/>"
                        // too_much would pass 4,000 characters: left out; city, after it, still fits.
                        + "<Parameter name=\"var_city\" value=\"Köln\"/></Stream>")
                .doesNotContain("var_too_much");
    }

    private static CallRequest sipAgentRequest(String sipUri, Optional<String> clientDataJson) {
        var base = request(TelephonyCallConfig.defaults(), Optional.empty());
        var agent = new Agent(
                ATTEMPT.workspaceId(),
                "agent_1",
                "Agent",
                "{}",
                "[]",
                Optional.empty(),
                Optional.empty(),
                Optional.of(sipUri),
                NOW,
                NOW);
        return new CallRequest(
                base.attempt(),
                base.batchId(),
                base.recipientId(),
                base.to(),
                base.from(),
                base.credentials(),
                agent,
                base.callConfig(),
                base.conversationId(),
                clientDataJson);
    }

    @Test
    void an_agent_with_only_a_sip_uri_is_dialed_over_sip_with_the_conversation_headers_the_sip_trunk_sends() {
        var result = provider.place(sipAgentRequest(
                "sip:agent@agent.example.test:5080;transport=tcp",
                Optional.of(object(
                                "dynamic_variables",
                                object().field("first_name", "Ann & Bo")
                                        .field("bad name", "left out")
                                        .field("notes", "x".repeat(2_000))
                                        .field("city", "Köln"))
                        .toString())));

        assertThat(result).isInstanceOf(PlaceResult.Accepted.class);
        assertThat(twilio.creates().getFirst().field("Twiml"))
                .isEqualTo("<Response><Dial><Sip>sip:agent@agent.example.test:5080;transport=tcp"
                        + "?X-Batchcall-Conversation-Id=conv_1"
                        + "&amp;X-Batchcall-Token=ws_1.tok"
                        + "&amp;X-Batchcall-Url=https%3A%2F%2Fbatchcall.example.test%2Fagent%2Fv1%2Fconversations%2Fconv_1"
                        + "&amp;X-Batchcall-Var-first_name=Ann%20%26%20Bo"
                        // notes would pass Twilio's 1,024 characters of custom headers: left out; city still fits.
                        + "&amp;X-Batchcall-Var-city=K%C3%B6ln"
                        + "</Sip></Dial></Response>");
    }

    @Test
    void an_agents_sip_uri_that_resolves_to_a_metadata_address_is_refused_without_calling_twilio() {
        var rebound = new TwilioProvider(
                twilio.baseUrl(),
                FAST,
                (kind, attempt) -> Optional.of(CALLBACK),
                AGENT,
                sink,
                (attempt, kind, sids) -> java.util.Set.of(),
                new MutableClock(NOW),
                new EgressPolicy(
                        true,
                        host -> host.equals("agent.example.test")
                                ? List.of(java.net.InetAddress.getByName("169.254.169.254"))
                                : EgressPolicy.systemResolve(host)));

        var result = rebound.place(sipAgentRequest("sip:agent@agent.example.test", Optional.empty()));

        assertThat(result)
                .isInstanceOfSatisfying(
                        PlaceResult.Unusable.class,
                        unusable -> assertThat(unusable.reason()).startsWith("the agent's sip_uri is refused: "));
        assertThat(twilio.creates()).isEmpty();
    }

    @Test
    void without_recording_or_machine_detection_those_fields_are_not_sent() {
        provider.place(request());

        var create = twilio.creates().getFirst();
        assertThat(create.form()).doesNotContainKeys("Record", "MachineDetection", "AsyncAmd");
    }

    @Test
    void a_503_on_create_is_unknown_after_exactly_one_post_and_the_look_up_finds_the_call() {
        twilio.refuseCreates(503, 20500, "Service Unavailable");
        twilio.stub(get(urlPathEqualTo(FakeTwilio.CALLS))
                .willReturn(FakeTwilio.json(
                        200,
                        object(
                                        "calls",
                                        array(
                                                listedCall("CAold", "busy", "Sun, 29 Nov 2026 09:00:00 +0000"),
                                                listedCall("CAnew", "ringing", "Sun, 29 Nov 2026 10:00:01 +0000")))
                                .toString())));

        var result = provider.place(request());
        var state = provider.reconcile(request(), Optional.empty());

        assertThat(result).isInstanceOf(PlaceResult.Unknown.class);
        assertThat(twilio.creates()).hasSize(1);
        var lookUp = twilio.requests().getLast();
        assertThat(lookUp.method()).isEqualTo("GET");
        assertThat(lookUp.query()).contains("To=+14155550199", "From=+14155550100", "StartTime>=2026-11-29");
        assertThat(state).isEqualTo(new CallState.Ringing("CAnew"));
    }

    @Test
    void a_look_up_after_a_lost_answer_follows_the_one_listed_call_no_other_attempt_owns() {
        twilio.refuseCreates(503, 20500, "Service Unavailable");
        listCalls("CAother", "CAmine");
        ownedElsewhere.add("CAother");

        provider.place(request());
        var state = provider.reconcile(request(), Optional.empty());

        assertThat(state).isEqualTo(new CallState.Ringing("CAmine"));
        assertThat(twilio.creates()).hasSize(1);
    }

    @Test
    void a_look_up_whose_listed_calls_are_all_owned_by_other_attempts_is_unknown_and_nothing_is_dialed_again() {
        twilio.refuseCreates(503, 20500, "Service Unavailable");
        listCalls("CAother", "CAanother");
        ownedElsewhere.addAll(List.of("CAother", "CAanother"));

        provider.place(request());
        var state = provider.reconcile(request(), Optional.empty());

        assertThat(state)
                .isEqualTo(new CallState.Unknown("Twilio lists 2 such calls, each placed by another" + " attempt"));
        assertThat(twilio.creates()).hasSize(1);
    }

    @Test
    void a_call_this_node_created_for_another_attempt_is_not_followed_before_its_sid_is_recorded() {
        twilio.stub(post(urlPathEqualTo(FakeTwilio.CALLS))
                .inScenario("lost")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(FakeTwilio.json(
                        201, object("sid", "CAsibling", "status", "queued").toString()))
                .willSetStateTo("unavailable"));
        twilio.stub(post(urlPathEqualTo(FakeTwilio.CALLS))
                .inScenario("lost")
                .whenScenarioStateIs("unavailable")
                .willReturn(FakeTwilio.json(
                        503,
                        object("code", 20500, "message", "Service Unavailable").toString())));
        listCalls("CAsibling");
        var sibling = new CallRequest(
                new AttemptRef(ATTEMPT.workspaceId(), "att_sibling"),
                "btcal_2",
                "rcpt_2",
                request().to(),
                request().from(),
                request().credentials(),
                request().agent(),
                request().callConfig(),
                "conv_2",
                Optional.empty());

        var siblingResult = provider.place(sibling);
        provider.place(request());
        var state = provider.reconcile(request(), Optional.empty());

        assertThat(siblingResult).isEqualTo(new PlaceResult.Accepted("CAsibling"));
        assertThat(state)
                .isEqualTo(new CallState.Unknown("Twilio lists one such call, placed by another" + " attempt"));
    }

    /** Twilio's Calls list answering with these SIDs, ringing, created just after the request went out. */
    private static void listCalls(String... sids) {
        var calls = array();
        for (var sid : sids) {
            calls.add(listedCall(sid, "ringing", "Sun, 29 Nov 2026 10:00:01 +0000"));
        }
        twilio.stub(get(urlPathEqualTo(FakeTwilio.CALLS))
                .willReturn(FakeTwilio.json(200, object("calls", calls).toString())));
    }

    /** One call as Twilio's Calls list shows it. */
    private static JsonNode listedCall(String sid, String status, String dateCreated) {
        return object("sid", sid, "status", status, "date_created", dateCreated);
    }

    @Test
    void a_timeout_on_create_is_unknown_and_a_look_up_that_finds_nothing_stays_unknown() {
        twilio.stub(post(urlPathEqualTo(FakeTwilio.CALLS))
                .willReturn(
                        FakeTwilio.json(201, object("sid", "CAslow").toString()).withFixedDelay(6_000)));
        twilio.stub(get(urlPathEqualTo(FakeTwilio.CALLS))
                .willReturn(FakeTwilio.json(200, object("calls", array()).toString())));

        var result = provider.place(request());
        var state = provider.reconcile(request(), Optional.empty());

        assertThat(result).isInstanceOf(PlaceResult.Unknown.class);
        assertThat(twilio.creates()).hasSize(1);
        assertThat(state).isInstanceOf(CallState.Unknown.class);
    }

    @Test
    void a_429_is_retried_after_a_back_off_and_places_one_call() {
        twilio.stub(post(urlPathEqualTo(FakeTwilio.CALLS))
                .inScenario("busy")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(FakeTwilio.json(
                        429,
                        object("code", 20429, "message", "Too Many Requests", "status", 429)
                                .toString()))
                .willSetStateTo("free"));
        twilio.stub(post(urlPathEqualTo(FakeTwilio.CALLS))
                .inScenario("busy")
                .whenScenarioStateIs("free")
                .willReturn(FakeTwilio.json(
                        201, object("sid", "CAafter429", "status", "queued").toString())));

        var result = provider.place(request());

        assertThat(result).isEqualTo(new PlaceResult.Accepted("CAafter429"));
        assertThat(twilio.creates()).extracting(FakeTwilio.Sent::status).containsExactly(429, 201);
    }

    @Test
    void rejected_credentials_make_the_number_unusable() {
        twilio.refuseCreates(401, 20003, "Authenticate");

        var result = provider.place(request());

        assertThat(result).isInstanceOf(PlaceResult.Unusable.class);
        assertThat(((PlaceResult.Unusable) result).reason()).contains("20003").doesNotContain(FakeTwilio.AUTH_TOKEN);
    }

    @Test
    void an_invalid_to_number_fails_that_call_only_and_for_good() {
        twilio.refuseCreates(400, 21211, "Invalid 'To' Phone Number");

        var result = provider.place(request());

        assertThat(result)
                .isEqualTo(new PlaceResult.Ended(
                        new Outcome.Failed("Twilio refused the call: 21211 Invalid 'To' Phone Number", false),
                        Optional.of("rejected"),
                        Optional.empty()));
    }

    @Test
    void without_a_public_url_or_a_media_stream_url_no_call_is_placed_and_the_reason_says_why() {
        var noUrl = provider((kind, attempt) -> Optional.empty()).place(request());
        var noStream = provider.place(request(TelephonyCallConfig.defaults(), Optional.empty()));

        assertThat(((PlaceResult.Unusable) noUrl).reason()).contains("BATCHCALL_PUBLIC_URL");
        assertThat(((PlaceResult.Unusable) noStream).reason()).contains("media_stream_url");
        assertThat(twilio.creates()).isEmpty();
    }

    @Test
    void cancel_and_hang_up_update_the_call_status() {
        provider.cancel(request(), "CAringing");
        provider.hangUp(request(), "CAtalking");

        var updates = twilio.requests();
        assertThat(updates)
                .extracting(FakeTwilio.Sent::path)
                .containsExactly(
                        "/2010-04-01/Accounts/" + FakeTwilio.ACCOUNT + "/Calls/CAringing.json",
                        "/2010-04-01/Accounts/" + FakeTwilio.ACCOUNT + "/Calls/CAtalking.json");
        assertThat(updates).extracting(u -> u.field("Status")).containsExactly("canceled", "completed");
    }

    @Test
    void a_call_looked_up_by_its_sid_reports_its_state_and_a_machine_answer_is_a_voicemail() {
        twilio.callIs("CAdone", "completed", null);
        twilio.callIs("CAmachine", "completed", "machine_end_beep");
        twilio.callIs("CAtalking", "in-progress", "human");

        assertThat(provider.reconcile(request(), Optional.of("CAdone")))
                .isEqualTo(new CallState.Ended(new Outcome.Completed(), Optional.of("completed"), Optional.empty()));
        assertThat(provider.reconcile(request(), Optional.of("CAmachine")))
                .isEqualTo(new CallState.Ended(new Outcome.Voicemail(), Optional.of("completed"), Optional.empty()));
        assertThat(provider.reconcile(request(), Optional.of("CAtalking")))
                .isEqualTo(new CallState.Answered("CAtalking"));
        assertThat(provider.reconcile(request(), Optional.of("CAmissing"))).isInstanceOf(CallState.Unknown.class);
    }

    @Test
    void status_callbacks_map_to_events_as_telephony_md_says() {
        callback(Map.of("CallStatus", "ringing"));
        callback(Map.of("CallStatus", "in-progress"));
        callback(Map.of("CallStatus", "completed"));
        callback(Map.of("CallStatus", "busy", "SipResponseCode", "486"));
        callback(Map.of("CallStatus", "no-answer", "SipResponseCode", "487"));
        callback(Map.of("CallStatus", "failed", "SipResponseCode", "404"));
        callback(Map.of("CallStatus", "failed", "SipResponseCode", "503"));
        callback(Map.of("CallStatus", "failed", "SipResponseCode", "480"));
        callback(Map.of("CallStatus", "completed", "AnsweredBy", "machine_start"));
        callback(Map.of("CallStatus", "completed", "AnsweredBy", "fax"));
        callback(Map.of("CallStatus", "canceled"));
        callback(Map.of("AnsweredBy", "machine_end_silence"));
        callback(Map.of("AnsweredBy", "human"));

        assertThat(sink.events)
                .containsExactly(
                        "ringing",
                        "answered",
                        "answered",
                        "ended completed completed -",
                        "ended busy busy 486",
                        "ended no_answer no-answer 487",
                        "ended failed failed 404",
                        "ended failed failed 503",
                        "ended no_answer failed 480",
                        "answered",
                        "ended voicemail completed -",
                        "answered",
                        "ended failed completed -",
                        "ended cancelled canceled -",
                        "machine detected machine_end_silence",
                        "machine detected human");
    }

    @Test
    void a_failed_call_is_retryable_only_when_the_carrier_answered_5xx() {
        assertThat(TwilioStatus.of("CA1", "failed", Optional.of(503), Optional.empty()))
                .isEqualTo(new CallState.Ended(
                        new Outcome.Failed("Twilio could not connect the call (SIP 503)", true),
                        Optional.of("failed"),
                        Optional.of(503)));
        assertThat(TwilioStatus.of("CA1", "failed", Optional.of(404), Optional.empty()))
                .isEqualTo(new CallState.Ended(
                        new Outcome.Failed("Twilio could not connect the call (SIP 404)", false),
                        Optional.of("failed"),
                        Optional.of(404)));
    }

    private void callback(Map<String, String> params) {
        var all = new java.util.HashMap<>(params);
        all.put("CallSid", "CA1");
        provider.onStatusCallback(ATTEMPT, all);
    }
}
