package io.batchcall.telephony.exotel;

import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.Agent;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.CallEvent;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.support.FakeExotel;
import io.batchcall.support.MutableClock;
import io.batchcall.telephony.CallEventSink;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.CallState;
import io.batchcall.telephony.PlaceResult;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Exotel provider's real HTTP client against WireMock on loopback: every answer Exotel can give. */
class ExotelProviderTest {
    private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");
    private static final AttemptRef ATTEMPT = new AttemptRef(new WorkspaceId("ws_1"), "att_1");
    private static final String CALLBACK = "https://batchcall.example.test/callbacks/exotel/ws_1/att_1/token";
    private static final ExotelLimits FAST =
            new ExotelLimits(Duration.ofSeconds(5), 6_000, Duration.ofSeconds(10), 3, Duration.ofSeconds(2));

    private static FakeExotel exotel;
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final Set<String> ownedElsewhere = new HashSet<>();
    private final List<String> reservedFor = new CopyOnWriteArrayList<>();
    private ExotelProvider provider;
    /** Whether the account's request slots are taken further ahead than a dial may wait. */
    private volatile boolean slotsTaken;
    /** How far ahead the account's next request slot is (a dial waits for it). */
    private volatile Duration slotAhead = Duration.ZERO;

    @BeforeAll
    static void startFake() {
        exotel = new FakeExotel();
    }

    @AfterAll
    static void stopFake() {
        exotel.close();
    }

    @BeforeEach
    void reset() {
        exotel.acceptCalls();
        provider = provider(new EgressPolicy(true, EgressPolicy::systemResolve));
    }

    @AfterEach
    void close() {
        provider.close();
    }

    private ExotelProvider provider(EgressPolicy egress) {
        var clock = new MutableClock(NOW);
        CallEventSink sink = event -> events.add(
                switch (event) {
                    case CallEvent.Accepted a -> "accepted";
                    case CallEvent.Ringing r -> "ringing";
                    case CallEvent.Answered a -> "answered";
                    case CallEvent.MachineDetected m -> "machine detected " + m.answeredBy();
                    case CallEvent.Ended e ->
                        "ended " + e.outcome().wireName() + " "
                                + e.providerStatus().orElse("-");
                });
        return new ExotelProvider(
                Optional.of(exotel.baseUrl()),
                FAST,
                (kind, account, spacing, within) -> {
                    reservedFor.add(
                            kind.wireName() + "/" + account + "/" + spacing.toMillis() + "/" + within.toSeconds());
                    return slotsTaken
                            ? Optional.empty()
                            : Optional.of(clock.instant().plus(slotAhead));
                },
                (kind, attempt) -> Optional.of(CALLBACK),
                sink,
                (attempt, kind, sids) ->
                        sids.stream().filter(ownedElsewhere::contains).collect(Collectors.toSet()),
                clock,
                egress);
    }

    private static CallRequest request(String settings, Map<String, String> credentials) {
        var number = new PhoneNumber(
                ATTEMPT.workspaceId(),
                "phnum_1",
                Provider.EXOTEL,
                "+918047112233",
                "Main",
                Optional.empty(),
                settings,
                true,
                new BigDecimal("3"),
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
                Optional.of("wss://agent.example.test/media"),
                Optional.empty(),
                NOW,
                NOW);
        return new CallRequest(
                ATTEMPT,
                "btcal_1",
                "rcpt_1",
                "+919876543210",
                number,
                credentials,
                agent,
                new TelephonyCallConfig(25, true, Optional.empty()),
                "conv_1",
                Optional.empty());
    }

    private static String settings(boolean agentStream) {
        return "{\"account_sid\":\"" + FakeExotel.ACCOUNT + "\",\"api_subdomain\":\"api.in.exotel.com\","
                + "\"app_id\":\"4242\",\"applet_url\":null,\"agent_stream\":" + agentStream + "}";
    }

    private static CallRequest request() {
        return request(settings(false), Map.of("api_key", FakeExotel.API_KEY, "api_token", FakeExotel.API_TOKEN));
    }

    @Test
    void a_call_dials_the_customer_first_from_the_exophone_into_the_numbers_flow_with_our_ids_and_callbacks() {
        var result = provider.place(request());

        var connect = exotel.connects().getFirst();
        assertThat(result).isEqualTo(new PlaceResult.Accepted("exo-att_1"));
        assertThat(connect.authorization())
                .isEqualTo("Basic "
                        + Base64.getEncoder()
                                .encodeToString((FakeExotel.API_KEY + ":" + FakeExotel.API_TOKEN).getBytes()));
        assertThat(connect.form())
                .containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                        Map.entry("From", List.of("+919876543210")),
                        Map.entry("CallerId", List.of("+918047112233")),
                        Map.entry("CallType", List.of("trans")),
                        Map.entry("Url", List.of("http://my.exotel.com/acme1/exoml/start_voice/4242")),
                        Map.entry("TimeOut", List.of("25")),
                        Map.entry("TimeLimit", List.of("14400")),
                        Map.entry("StatusCallback", List.of(CALLBACK)),
                        Map.entry("StatusCallbackEvents[0]", List.of("terminal")),
                        Map.entry("StatusCallbackEvents[1]", List.of("answered")),
                        Map.entry(
                                "CustomField",
                                List.of("{\"conversation_id\":\"conv_1\",\"batch_id\":\"btcal_1\","
                                        + "\"recipient_id\":\"rcpt_1\",\"attempt_id\":\"att_1\"}")),
                        Map.entry("Record", List.of("true"))));
        assertThat(reservedFor).containsExactly("exotel/acme1/10/10");
    }

    @Test
    void a_number_that_asks_for_it_streams_the_call_straight_to_the_agents_media_url() {
        var result = provider.place(
                request(settings(true), Map.of("api_key", FakeExotel.API_KEY, "api_token", FakeExotel.API_TOKEN)));

        var connect = exotel.connects().getFirst();
        assertThat(result).isInstanceOf(PlaceResult.Accepted.class);
        assertThat(connect.field("streamurl")).isEqualTo("wss://agent.example.test/media");
        assertThat(connect.field("streamtype")).isEqualTo("bidirectional");
        assertThat(connect.field("Url")).isNull();
    }

    @Test
    void a_media_url_the_egress_policy_refuses_fails_the_number_without_calling_exotel() {
        var refusing =
                provider(new EgressPolicy(true, host -> List.of(java.net.InetAddress.getByName("169.254.169.254"))));

        var result = refusing.place(
                request(settings(true), Map.of("api_key", FakeExotel.API_KEY, "api_token", FakeExotel.API_TOKEN)));

        assertThat(result)
                .isInstanceOfSatisfying(
                        PlaceResult.Unusable.class,
                        unusable ->
                                assertThat(unusable.reason()).startsWith("the agent's media_stream_url is refused"));
        assertThat(exotel.connects()).isEmpty();
        refusing.close();
    }

    @Test
    void a_429_waits_for_retry_after_and_sends_again_which_places_one_call() {
        exotel.refuseConnects(429, "Too many requests", "1");
        exotel.stub(post(urlPathEqualTo(FakeExotel.CONNECT))
                .inScenario("limited")
                .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                .willReturn(FakeExotel.json(429, "{\"RestException\":{\"Status\":429}}")
                        .withHeader("Retry-After", "1"))
                .willSetStateTo("open"));
        exotel.stub(post(urlPathEqualTo(FakeExotel.CONNECT))
                .inScenario("limited")
                .whenScenarioStateIs("open")
                .willReturn(FakeExotel.json(200, "{\"Call\":{\"Sid\":\"exo-after-wait\",\"Status\":\"queued\"}}")));

        var result = provider.place(request());

        var connects = exotel.connects();
        assertThat(result).isEqualTo(new PlaceResult.Accepted("exo-after-wait"));
        assertThat(connects).extracting(FakeExotel.Sent::status).containsExactly(429, 200);
        assertThat(Duration.between(connects.get(0).at(), connects.get(1).at()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(reservedFor).hasSize(2);
    }

    @Test
    void a_503_on_connect_is_sent_exactly_once_and_its_fate_left_to_a_look_up() {
        exotel.refuseConnects(503, "Service Unavailable", null);

        var result = provider.place(request());

        assertThat(result)
                .isInstanceOfSatisfying(
                        PlaceResult.Unknown.class,
                        unknown -> assertThat(unknown.reason()).contains("503"));
        assertThat(exotel.connects()).hasSize(1);
    }

    @Test
    void rejected_credentials_and_an_unpaid_account_fail_the_number_with_a_reason() {
        var wrongToken = request(settings(false), Map.of("api_key", FakeExotel.API_KEY, "api_token", "wrong"));
        assertThat(provider.place(wrongToken))
                .isInstanceOfSatisfying(
                        PlaceResult.Unusable.class,
                        unusable -> assertThat(unusable.reason())
                                .isEqualTo("Exotel rejected phone number phnum_1: HTTP 401"
                                        + " Authentication is required"));

        exotel.refuseConnects(402, "Insufficient balance", null);
        assertThat(provider.place(request()))
                .isInstanceOfSatisfying(
                        PlaceResult.Unusable.class,
                        unusable -> assertThat(unusable.reason()).contains("HTTP 402", "Insufficient balance"));
        assertThat(exotel.connects()).hasSize(1);
    }

    @Test
    void each_status_callback_becomes_its_outcome_keeping_the_raw_status() {
        var callbacks = List.of(
                Map.of("CallSid", "c1", "EventType", "answered", "Status", "in-progress"),
                Map.of("CallSid", "c1", "EventType", "terminal", "Status", "completed", "Legs[0][AnsweredBy]", "HUMAN"),
                Map.of("CallSid", "c2", "EventType", "terminal", "Status", "busy"),
                Map.of("CallSid", "c3", "EventType", "terminal", "Status", "no-answer"),
                Map.of("CallSid", "c4", "EventType", "terminal", "Status", "failed"),
                Map.of("CallSid", "c5", "Status", "completed", "Legs[0][AnsweredBy]", "MACHINE"));

        callbacks.forEach(params -> provider.onStatusCallback(ATTEMPT, params));

        assertThat(events)
                .containsExactly(
                        "answered",
                        "answered",
                        "ended completed completed",
                        "ended busy busy",
                        "ended no_answer no-answer",
                        "ended failed failed",
                        "answered",
                        "ended voicemail completed");
    }

    @Test
    void a_call_with_an_id_is_reconciled_through_call_details() {
        exotel.callIs("exo-42", "completed", "HUMAN");

        var state = provider.reconcile(request(), Optional.of("exo-42"));

        assertThat(state)
                .isEqualTo(new CallState.Ended(new Outcome.Completed(), Optional.of("completed"), Optional.empty()));
    }

    @Test
    void a_lost_connect_answer_follows_the_one_listed_call_no_other_attempt_owns() {
        exotel.refuseConnects(503, "Service Unavailable", null);
        provider.place(request());
        // 10:00 UTC is 15:30 in India, where Exotel's dates are.
        exotel.listCalls("2026-11-29 15:30:02", "exo-earlier", "completed", "exo-mine", "in-progress");
        ownedElsewhere.add("exo-earlier");

        var state = provider.reconcile(request(), Optional.empty());

        assertThat(state).isEqualTo(new CallState.Answered("exo-mine"));
        var lookUp = exotel.requests().getLast();
        assertThat(lookUp.query()).contains("From=+919876543210", "DateCreated=gte:2026-11-29 15:29:00");
        assertThat(exotel.connects()).hasSize(1);
    }

    /** The request, asking {@code check} whether it is still to be dialed after any wait. */
    private static CallRequest asking(CallRequest r, io.batchcall.telephony.DialCheck check) {
        return new CallRequest(
                r.attempt(),
                r.batchId(),
                r.recipientId(),
                r.to(),
                r.from(),
                r.credentials(),
                r.agent(),
                r.callConfig(),
                r.conversationId(),
                r.clientDataJson(),
                check);
    }

    @Test
    void a_dial_cancelled_while_it_waited_for_its_request_slot_sends_nothing_and_is_placed_again_at_once() {
        slotAhead = Duration.ofMillis(200);
        var asked = new java.util.concurrent.atomic.AtomicInteger();

        var result = provider.place(asking(request(), () -> {
            asked.incrementAndGet();
            return false;
        }));

        assertThat(result)
                .isInstanceOfSatisfying(
                        PlaceResult.Deferred.class,
                        deferred -> assertThat(deferred.retryIn()).isZero());
        assertThat(asked).hasValue(1);
        assertThat(exotel.connects()).isEmpty();
    }

    @Test
    void a_dial_still_wanted_after_its_wait_is_sent_and_one_that_never_waited_is_not_asked() {
        var asked = new java.util.concurrent.atomic.AtomicInteger();

        var unheld = provider.place(asking(request(), () -> asked.incrementAndGet() < 0));

        assertThat(unheld).isInstanceOf(PlaceResult.Accepted.class);
        assertThat(asked).as("a dial sent in its slot at once asks nothing").hasValue(0);
        slotAhead = Duration.ofMillis(200);
        var held = provider.place(asking(request(), () -> asked.incrementAndGet() > 0));
        assertThat(held).isInstanceOf(PlaceResult.Accepted.class);
        assertThat(asked).hasValue(1);
        assertThat(exotel.connects()).hasSize(2);
    }

    @Test
    void a_dial_cancelled_while_it_waited_out_a_429_is_not_sent_again() {
        exotel.refuseConnects(429, "Too many requests", "1");
        var asked = new java.util.concurrent.atomic.AtomicInteger();

        var result = provider.place(asking(request(), () -> {
            asked.incrementAndGet();
            return false;
        }));

        assertThat(result).isInstanceOf(PlaceResult.Deferred.class);
        assertThat(asked).hasValue(1);
        assertThat(exotel.connects()).extracting(FakeExotel.Sent::status).containsExactly(429);
    }

    @Test
    void a_dial_that_finds_no_request_slot_within_its_wait_is_deferred_without_sending_anything() {
        slotsTaken = true;

        var result = provider.place(request());

        assertThat(result)
                .isInstanceOfSatisfying(
                        PlaceResult.Deferred.class,
                        deferred -> assertThat(deferred.retryIn()).isEqualTo(Duration.ofSeconds(10)));
        assertThat(exotel.connects()).isEmpty();
    }

    @Test
    void a_look_up_skips_a_call_this_node_connected_for_another_attempt_before_any_node_recorded_it() {
        // Another attempt to the same customer got exo-att_2 a moment ago; the attempts table does not know yet.
        var other = new CallRequest(
                new AttemptRef(ATTEMPT.workspaceId(), "att_2"),
                "btcal_1",
                "rcpt_2",
                "+919876543210",
                request().from(),
                request().credentials(),
                request().agent(),
                request().callConfig(),
                "conv_2",
                Optional.empty());
        assertThat(provider.place(other)).isEqualTo(new PlaceResult.Accepted("exo-att_2"));
        exotel.refuseConnects(503, "Service Unavailable", null);
        provider.place(request());
        exotel.listCalls("2026-11-29 15:30:02", "exo-att_2", "in-progress");

        var state = provider.reconcile(request(), Optional.empty());

        assertThat(state).isEqualTo(new CallState.Unknown("Exotel lists only calls other attempts placed"));
    }
}
