package io.batchcall.api.twilio;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.Await;
import io.batchcall.support.FakeTwilio;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import io.batchcall.support.TwilioCallbacks;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Batches through the HTTP API on Twilio numbers, with WireMock as Twilio and this test as Twilio's callback
 * sender: every scripted outcome, signatures, duplicates and disorder, cancelling, and a batch of 50.
 */
class TwilioCallingTest {
    static final String PUBLIC_URL = "https://batchcall.example.test";
    private static final Duration BOUND = Duration.ofSeconds(30);

    private static FakeTwilio twilio;
    private static TestServer server;
    private static Fixtures fixtures;
    private static TwilioCallbacks callbacks;
    private static String agentId;
    private static String numberId;

    @BeforeAll
    static void start() {
        twilio = new FakeTwilio();
        server = TestServer.start(
                Map.of("BATCHCALL_TWILIO_API_BASE", twilio.baseUrl(), "BATCHCALL_PUBLIC_URL", PUBLIC_URL), List.of());
        fixtures = new Fixtures(server);
        callbacks = new TwilioCallbacks(PUBLIC_URL, server.port(), FakeTwilio.AUTH_TOKEN);
        agentId = created(
                server.client()
                        .post(
                                "/v1/convai/agents/create",
                                "{\"name\":\"Caller\",\"media_stream_url\":\"wss://agent.example.test/media\"}")
                        .json(),
                "agent_id");
        // 50 calls a second, so that the batch of 50 does not take a minute; pacing at 1 is tested on the engine.
        numberId = created(
                server.client()
                        .post(
                                "/v1/convai/phone-numbers",
                                "{\"provider\":\"twilio\","
                                        + "\"phone_number\":\"+14155550100\",\"label\":\"Twilio\",\"sid\":\""
                                        + FakeTwilio.ACCOUNT + "\","
                                        + "\"token\":\"" + FakeTwilio.AUTH_TOKEN + "\",\"cps\":50}")
                        .json(),
                "phone_number_id");
    }

    @AfterAll
    static void stop() {
        server.close();
        twilio.close();
    }

    private static String created(JsonNode body, String field) {
        assertThat(body.has(field)).as(body.toString()).isTrue();
        return body.get(field).asText();
    }

    static String submit(List<String> numbers) {
        var recipients =
                numbers.stream().map(n -> "{\"phone_number\":\"" + n + "\"}").collect(Collectors.joining(","));
        var response = server.client()
                .post(
                        "/v1/convai/batch-calling/submit",
                        "{\"call_name\":\"Twilio\","
                                + "\"agent_id\":\"" + agentId + "\",\"agent_phone_number_id\":\"" + numberId
                                + "\",\"recipients\":["
                                + recipients + "]}");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("id").asText();
    }

    private static List<String> numbers(int block, int count) {
        return IntStream.range(0, count)
                .mapToObj(i -> "+1415555%02d%02d".formatted(block, i))
                .toList();
    }

    /** The create request Twilio got for this number, once it has come. */
    private static FakeTwilio.Sent createFor(String to) {
        Await.until(
                BOUND,
                "a create request to " + to,
                () -> twilio.creates().stream().anyMatch(c -> to.equals(c.field("To"))));
        return twilio.creates().stream()
                .filter(c -> to.equals(c.field("To")))
                .findFirst()
                .orElseThrow();
    }

    private static void send(FakeTwilio.Sent create, int sequence, String status, Map<String, String> extra) {
        assertThat(callbacks.status(create, sequence, status, extra)).isEqualTo(204);
    }

    /** Plays a call through Twilio's callbacks as scripted: completed, busy, no-answer, failed or machine. */
    private static void play(FakeTwilio.Sent create, String script) {
        send(create, 0, "initiated", Map.of());
        send(create, 1, "ringing", Map.of());
        switch (script) {
            case "completed" -> {
                send(create, 2, "in-progress", Map.of());
                send(create, 3, "completed", Map.of("CallDuration", "42", "SipResponseCode", "200"));
            }
            case "busy" -> send(create, 2, "busy", Map.of("SipResponseCode", "486"));
            case "no-answer" -> send(create, 2, "no-answer", Map.of("SipResponseCode", "487"));
            case "failed" -> send(create, 2, "failed", Map.of("SipResponseCode", "404"));
            case "machine" -> {
                send(create, 2, "in-progress", Map.of());
                send(create, 3, "completed", Map.of("AnsweredBy", "machine_end_beep", "SipResponseCode", "200"));
            }
            default -> throw new IllegalArgumentException(script);
        }
    }

    private static String batchStatus(String batchId) {
        return server.client()
                .get("/v1/convai/batch-calling/" + batchId)
                .json()
                .get("status")
                .asText();
    }

    /** Recipient number to "status/last_outcome/provider_status/sip_code" of its one attempt. */
    private static Map<String, String> results(String batchId) {
        var rows = new HashMap<String, String>();
        fixtures.queryList("""
                SELECT r.phone_number || '=' || r.status || '/' || r.last_outcome || '/'
                       || coalesce(a.provider_status, '-') || '/' || coalesce(a.sip_code::text, '-')
                FROM recipients r JOIN attempts a ON a.batch_id = r.batch_id AND a.recipient_id = r.id
                WHERE r.batch_id = :b""", Map.of("b", batchId), String.class)
                .forEach(row -> rows.put(row.substring(0, row.indexOf('=')), row.substring(row.indexOf('=') + 1)));
        return rows;
    }

    @Test
    void every_scripted_outcome_reaches_its_final_status_with_the_raw_status_and_sip_code() {
        var to = numbers(1, 5);
        var batch = submit(to);
        var scripts = List.of("completed", "busy", "no-answer", "failed", "machine");

        for (int i = 0; i < to.size(); i++) {
            play(createFor(to.get(i)), scripts.get(i));
        }

        Await.until(BOUND, "the batch completes", () -> batchStatus(batch).equals("completed"));
        assertThat(results(batch))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        to.get(0), "completed/completed/completed/200",
                        to.get(1), "failed/busy/busy/486",
                        to.get(2), "failed/no_answer/no-answer/487",
                        to.get(3), "failed/failed/failed/404",
                        to.get(4), "voicemail/voicemail/completed/200"));
        var conversation = server.client()
                .get("/v1/convai/conversations/"
                        + fixtures.queryOne(
                                "SELECT conversation_id FROM recipients WHERE batch_id = :b AND phone_number = :n",
                                Map.of("b", batch, "n", to.get(0)),
                                String.class))
                .json();
        assertThat(conversation.get("status").asText()).isEqualTo("done");
        assertThat(conversation.at("/metadata/phone_call/call_sid").asText())
                .isEqualTo(createFor(to.get(0)).sid());
    }

    @Test
    void duplicate_and_out_of_order_callbacks_change_nothing_once_a_call_has_ended() {
        var to = numbers(2, 1);
        var batch = submit(to);
        var create = createFor(to.getFirst());

        send(create, 3, "completed", Map.of("SipResponseCode", "200"));
        send(create, 2, "in-progress", Map.of());
        send(create, 1, "ringing", Map.of());
        send(create, 3, "completed", Map.of("SipResponseCode", "200"));
        send(create, 4, "busy", Map.of("SipResponseCode", "486"));

        Await.until(BOUND, "the batch completes", () -> batchStatus(batch).equals("completed"));
        assertThat(results(batch)).containsExactly(Map.entry(to.getFirst(), "completed/completed/completed/200"));
        assertThat(fixtures.queryOne(
                        "SELECT count(*) FROM attempts WHERE batch_id = :b AND answered_at IS NOT NULL",
                        Map.of("b", batch),
                        Integer.class))
                .isEqualTo(1);
    }

    @Test
    void a_callback_without_a_valid_signature_or_token_is_refused_and_changes_nothing() {
        var to = numbers(3, 1);
        var batch = submit(to);
        var create = createFor(to.getFirst());
        var url = create.field("StatusCallback");
        var params = Map.of("CallSid", create.sid(), "CallStatus", "busy", "To", to.getFirst());
        var completed = new HashMap<>(params);
        completed.put("CallStatus", "completed");

        assertThat(callbacks.send(url, params, null)).isEqualTo(403);
        assertThat(callbacks.send(url, params, "bm90IGEgc2lnbmF0dXJl")).isEqualTo(403);
        assertThat(callbacks.send(url, params, TwilioCallbacks.sign(url, params, "another-accounts-token")))
                .isEqualTo(403);
        assertThat(callbacks.send(url, params, TwilioCallbacks.sign(url, completed, FakeTwilio.AUTH_TOKEN)))
                .isEqualTo(403);
        var forged = url.substring(0, url.lastIndexOf('/') + 1) + "not-the-token";
        assertThat(callbacks.send(forged, params, TwilioCallbacks.sign(forged, params, FakeTwilio.AUTH_TOKEN)))
                .isEqualTo(403);

        // The create's answer is recorded by the dispatcher on its own thread: wait for it, then check that none
        // of the refused callbacks moved the attempt past ringing.
        Await.until(
                BOUND,
                "the attempt knows its call",
                () -> !"dialing"
                        .equals(fixtures.queryOne(
                                "SELECT phase FROM attempts WHERE batch_id = :b", Map.of("b", batch), String.class)));
        assertThat(fixtures.queryOne(
                        "SELECT phase FROM attempts WHERE batch_id = :b", Map.of("b", batch), String.class))
                .isEqualTo("ringing");
        assertThat(callbacks.send(url, params, TwilioCallbacks.sign(url, params, FakeTwilio.AUTH_TOKEN)))
                .isEqualTo(204);
        Await.until(BOUND, "the batch completes", () -> batchStatus(batch).equals("completed"));
        assertThat(results(batch)).containsExactly(Map.entry(to.getFirst(), "failed/busy/busy/-"));
    }

    @Test
    void a_regional_number_dials_with_its_regions_token_and_accepts_callbacks_signed_with_it() {
        var regional = created(
                server.client()
                        .post(
                                "/v1/convai/phone-numbers",
                                "{\"provider\":\"twilio\","
                                        + "\"phone_number\":\"+14155550177\",\"label\":\"Dublin\",\"sid\":\""
                                        + FakeTwilio.ACCOUNT
                                        + "\",\"token\":\"" + FakeTwilio.AUTH_TOKEN
                                        + "\",\"cps\":50,\"region_config\":{\"region_id\":\"ie1\","
                                        + "\"edge_location\":\"dublin\",\"token\":\"ie1-region-token\"}}")
                        .json(),
                "phone_number_id");
        var to = "+14155550677";
        var response = server.client()
                .post(
                        "/v1/convai/batch-calling/submit",
                        "{\"call_name\":\"Regional\","
                                + "\"agent_id\":\"" + agentId + "\",\"agent_phone_number_id\":\"" + regional
                                + "\",\"recipients\":["
                                + "{\"phone_number\":\"" + to + "\"}]}");
        var batch = response.json().get("id").asText();
        var create = createFor(to);

        assertThat(create.authorization())
                .isEqualTo("Basic "
                        + java.util.Base64.getEncoder()
                                .encodeToString((FakeTwilio.ACCOUNT + ":ie1-region-token")
                                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        var url = create.field("StatusCallback");
        var params = Map.of("CallSid", create.sid(), "CallStatus", "busy", "To", to);
        assertThat(callbacks.send(url, params, TwilioCallbacks.sign(url, params, "another-accounts-token")))
                .isEqualTo(403);
        assertThat(callbacks.send(url, params, TwilioCallbacks.sign(url, params, "ie1-region-token")))
                .isEqualTo(204);
        Await.until(BOUND, "the batch completes", () -> batchStatus(batch).equals("completed"));
    }

    @Test
    void cancelling_a_batch_cancels_its_ringing_call_at_twilio() {
        var to = numbers(4, 1);
        var batch = submit(to);
        var create = createFor(to.getFirst());
        send(create, 1, "ringing", Map.of());
        Await.until(
                BOUND,
                "the attempt knows its call",
                () -> create.sid()
                        .equals(fixtures.queryOne(
                                "SELECT coalesce(provider_call_id, '') FROM attempts WHERE batch_id = :b",
                                Map.of("b", batch),
                                String.class)));

        assertThat(server.client()
                        .postEmpty("/v1/convai/batch-calling/" + batch + "/cancel")
                        .status())
                .isEqualTo(200);

        var update = "/2010-04-01/Accounts/" + FakeTwilio.ACCOUNT + "/Calls/" + create.sid() + ".json";
        Await.until(
                BOUND,
                "Twilio is asked to cancel the call",
                () -> twilio.requests().stream()
                        .anyMatch(r -> r.path().equals(update) && "canceled".equals(r.field("Status"))));
        send(create, 2, "canceled", Map.of("SipResponseCode", "487"));
        Await.until(
                BOUND,
                "the attempt ends",
                () -> "cancelled"
                        .equals(fixtures.queryOne(
                                "SELECT coalesce(outcome, '') FROM attempts WHERE batch_id = :b",
                                Map.of("b", batch),
                                String.class)));
        assertThat(batchStatus(batch)).isEqualTo("cancelled");
    }

    @Test
    void a_call_twilio_reports_live_after_its_attempt_ended_without_it_is_ended_at_twilio_and_not_dialed_again() {
        // The create's answer is a 503 and the look-up lists no call: the attempt ends interrupted. Twilio then
        // makes the call after all, and its callbacks name the attempt.
        twilio.refuseCreates(503, 20500, "Service Unavailable");
        twilio.stub(get(urlPathEqualTo(FakeTwilio.CALLS)).willReturn(FakeTwilio.json(200, "{\"calls\":[]}")));
        twilio.stub(post(urlPathMatching("/2010-04-01/Accounts/" + FakeTwilio.ACCOUNT + "/Calls/CA[^/]+\\.json"))
                .willReturn(FakeTwilio.json(200, "{\"status\":\"canceled\"}")));
        try {
            var to = numbers(6, 1);
            var batch = submit(to);
            var create = createFor(to.getFirst());
            Await.until(BOUND, "the attempt ends", () -> batchStatus(batch).equals("completed"));
            assertThat(results(batch).get(to.getFirst())).startsWith("failed/interrupted/");
            var late = Map.of("CallSid", "CA0000000000000000000000000000late");
            var update = "/2010-04-01/Accounts/" + FakeTwilio.ACCOUNT + "/Calls/" + late.get("CallSid") + ".json";

            send(create, 1, "ringing", late);
            assertThat(updates(update)).containsExactly("canceled");
            send(create, 2, "in-progress", late);
            assertThat(updates(update)).containsExactly("canceled", "completed");
            send(create, 3, "completed", late);

            assertThat(updates(update)).as("an ended call is not asked about").hasSize(2);
            assertThat(twilio.creates()).as("dialed once").hasSize(1);
            assertThat(results(batch).get(to.getFirst())).startsWith("failed/interrupted/");
        } finally {
            twilio.acceptCalls();
        }
    }

    @Test
    void a_rotated_auth_token_sent_by_patch_dials_and_verifies_callbacks_from_then_on() {
        var rotating = created(
                server.client()
                        .post(
                                "/v1/convai/phone-numbers",
                                "{\"provider\":\"twilio\",\"phone_number\":\"+14155550178\",\"label\":\"Rotating\","
                                        + "\"sid\":\"" + FakeTwilio.ACCOUNT
                                        + "\",\"token\":\"token-before\",\"cps\":50}")
                        .json(),
                "phone_number_id");
        var path = "/v1/convai/phone-numbers/" + rotating;

        var blank = server.client().patch(path, "{\"label\":\"Renamed\",\"token\":\"\"}");
        assertThat(blank.status()).as(blank.toString()).isEqualTo(422);
        assertThat(blank.body()).contains("\"token\"").contains("string_too_short");
        var otherProvider = server.client().patch(path, "{\"api_key\":\"exotel-key\"}");
        assertThat(otherProvider.status()).as(otherProvider.toString()).isEqualTo(422);
        assertThat(otherProvider.body()).contains("only exotel numbers have this setting");
        assertThat(server.client().get(path).json().get("label").asText())
                .as("a refused PATCH changes nothing")
                .isEqualTo("Rotating");
        var rotated = server.client().patch(path, "{\"token\":\"token-after\"}");
        assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
        assertThat(rotated.body()).doesNotContain("token-after").doesNotContain("token-before");

        var to = "+14155550778";
        var submitted = server.client()
                .post(
                        "/v1/convai/batch-calling/submit",
                        "{\"call_name\":\"Rotated\",\"agent_id\":\"" + agentId + "\",\"agent_phone_number_id\":\""
                                + rotating + "\",\"recipients\":[{\"phone_number\":\"" + to + "\"}]}");
        var batch = submitted.json().get("id").asText();
        var create = createFor(to);

        assertThat(create.authorization())
                .isEqualTo("Basic "
                        + java.util.Base64.getEncoder()
                                .encodeToString((FakeTwilio.ACCOUNT + ":token-after")
                                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        var url = create.field("StatusCallback");
        var busy = Map.of("CallSid", create.sid(), "CallStatus", "busy", "To", to);
        assertThat(callbacks.send(url, busy, TwilioCallbacks.sign(url, busy, "token-before")))
                .as("signed with the old token")
                .isEqualTo(403);
        assertThat(callbacks.send(url, busy, TwilioCallbacks.sign(url, busy, "token-after")))
                .isEqualTo(204);
        Await.until(BOUND, "the batch completes", () -> batchStatus(batch).equals("completed"));
    }

    /** The statuses Twilio was asked to set on one call, oldest first. */
    private static List<String> updates(String path) {
        return twilio.requests().stream()
                .filter(r -> r.method().equals("POST") && r.path().equals(path))
                .map(r -> r.field("Status"))
                .toList();
    }

    @Test
    void a_batch_of_50_runs_end_to_end_and_no_number_receives_two_create_requests() {
        var to = numbers(5, 50);
        var scripts = List.of("completed", "busy", "no-answer", "failed", "machine");
        var batch = submit(to);

        for (int i = 0; i < to.size(); i++) {
            play(createFor(to.get(i)), scripts.get(i % scripts.size()));
        }

        Await.until(BOUND, "the batch completes", () -> batchStatus(batch).equals("completed"));
        var creates = twilio.creates().stream()
                .map(c -> c.field("To"))
                .filter(to::contains)
                .toList();
        assertThat(creates).hasSize(50).doesNotHaveDuplicates();
        var statuses = results(batch).values().stream()
                .map(r -> r.substring(0, r.indexOf('/', r.indexOf('/') + 1)))
                .collect(Collectors.groupingBy(s -> s, Collectors.counting()));
        assertThat(statuses)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "completed/completed",
                        10L,
                        "failed/busy",
                        10L,
                        "failed/no_answer",
                        10L,
                        "failed/failed",
                        10L,
                        "voicemail/voicemail",
                        10L));
    }
}
