package io.batchcall.api.exotel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.Await;
import io.batchcall.support.FakeExotel;
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
 * Batches through the HTTP API on an Exotel number, with WireMock as Exotel's API and this test as Exotel's
 * callback sender: every outcome, duplicates and disorder, and forged callbacks.
 */
class ExotelCallingTest {
    static final String PUBLIC_URL = "https://batchcall.example.test";
    private static final Duration BOUND = Duration.ofSeconds(30);

    private static FakeExotel exotel;
    private static TestServer server;
    private static Fixtures fixtures;
    /** Posts unsigned form callbacks to the server on loopback, as Exotel (which signs nothing) does. */
    private static TwilioCallbacks callbacks;

    private static String agentId;
    private static String numberId;

    @BeforeAll
    static void start() {
        exotel = new FakeExotel();
        server = TestServer.start(
                Map.of("BATCHCALL_EXOTEL_API_BASE", exotel.baseUrl(), "BATCHCALL_PUBLIC_URL", PUBLIC_URL), List.of());
        fixtures = new Fixtures(server);
        callbacks = new TwilioCallbacks(PUBLIC_URL, server.port(), "unused");
        agentId = created(
                server.client()
                        .post(
                                "/v1/convai/agents/create",
                                "{\"name\":\"Caller\",\"media_stream_url\":\"wss://agent.example.test/media\"}")
                        .json(),
                "agent_id");
        numberId = created(
                server.client()
                        .post(
                                "/v1/convai/phone-numbers",
                                "{\"provider\":\"exotel\","
                                        + "\"phone_number\":\"+918047112233\",\"label\":\"Exotel\",\"account_sid\":\""
                                        + FakeExotel.ACCOUNT
                                        + "\",\"api_key\":\"" + FakeExotel.API_KEY + "\",\"api_token\":\""
                                        + FakeExotel.API_TOKEN + "\","
                                        + "\"api_subdomain\":\"api.in.exotel.com\",\"app_id\":\"4242\"}")
                        .json(),
                "phone_number_id");
    }

    @AfterAll
    static void stop() {
        server.close();
        exotel.close();
    }

    private static String created(JsonNode body, String field) {
        assertThat(body.has(field)).as(body.toString()).isTrue();
        return body.get(field).asText();
    }

    private static String submit(List<String> numbers) {
        var recipients =
                numbers.stream().map(n -> "{\"phone_number\":\"" + n + "\"}").collect(Collectors.joining(","));
        var response = server.client()
                .post(
                        "/v1/convai/batch-calling/submit",
                        "{\"call_name\":\"Exotel\","
                                + "\"agent_id\":\"" + agentId + "\",\"agent_phone_number_id\":\"" + numberId
                                + "\",\"recipients\":["
                                + recipients + "]}");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("id").asText();
    }

    private static List<String> numbers(int block, int count) {
        return IntStream.range(0, count)
                .mapToObj(i -> "+9198765%02d%03d".formatted(block, i))
                .toList();
    }

    /** The connect request Exotel got for this customer (dialed first, so in From), once it has come. */
    private static FakeExotel.Sent connectFor(String customer) {
        Await.until(
                BOUND,
                "a connect request to " + customer,
                () -> exotel.connects().stream().anyMatch(c -> customer.equals(c.field("From"))));
        return exotel.connects().stream()
                .filter(c -> customer.equals(c.field("From")))
                .findFirst()
                .orElseThrow();
    }

    private static int callback(FakeExotel.Sent connect, String eventType, String status, String answeredBy) {
        var params = new HashMap<String, String>();
        params.put("CallSid", connect.sid());
        params.put("EventType", eventType);
        params.put("Status", status);
        params.put("From", connect.field("From"));
        params.put("CustomField", connect.field("CustomField"));
        if (answeredBy != null) {
            params.put("Legs[0][AnsweredBy]", answeredBy);
        }
        return callbacks.send(connect.field("StatusCallback"), params, null);
    }

    private static void play(FakeExotel.Sent connect, String script) {
        switch (script) {
            case "completed" -> {
                assertThat(callback(connect, "answered", "in-progress", null)).isEqualTo(200);
                assertThat(callback(connect, "terminal", "completed", "HUMAN")).isEqualTo(200);
            }
            case "machine" ->
                assertThat(callback(connect, "terminal", "completed", "MACHINE"))
                        .isEqualTo(200);
            default -> assertThat(callback(connect, "terminal", script, "NA")).isEqualTo(200);
        }
    }

    private static String batchStatus(String batchId) {
        return server.client()
                .get("/v1/convai/batch-calling/" + batchId)
                .json()
                .get("status")
                .asText();
    }

    /** Recipient number to "status/last_outcome/provider_status" of its one attempt. */
    private static Map<String, String> results(String batchId) {
        var rows = new HashMap<String, String>();
        fixtures.queryList("""
                SELECT r.phone_number || '=' || r.status || '/' || r.last_outcome || '/'
                       || coalesce(a.provider_status, '-')
                FROM recipients r JOIN attempts a ON a.batch_id = r.batch_id AND a.recipient_id = r.id
                WHERE r.batch_id = :b""", Map.of("b", batchId), String.class)
                .forEach(row -> rows.put(row.substring(0, row.indexOf('=')), row.substring(row.indexOf('=') + 1)));
        return rows;
    }

    @Test
    void every_exotel_outcome_reaches_its_final_status_with_the_raw_status_and_a_conversation_typed_exotel() {
        var to = numbers(1, 5);
        var batch = submit(to);
        var scripts = List.of("completed", "busy", "no-answer", "failed", "machine");

        for (int i = 0; i < to.size(); i++) {
            play(connectFor(to.get(i)), scripts.get(i));
        }

        Await.until(BOUND, "the batch completes", () -> batchStatus(batch).equals("completed"));
        assertThat(results(batch))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        to.get(0), "completed/completed/completed",
                        to.get(1), "failed/busy/busy",
                        to.get(2), "failed/no_answer/no-answer",
                        to.get(3), "failed/failed/failed",
                        to.get(4), "voicemail/voicemail/completed"));
        var connect = connectFor(to.get(0));
        assertThat(connect.field("CallerId")).isEqualTo("+918047112233");
        var conversation = server.client()
                .get("/v1/convai/conversations/"
                        + fixtures.queryOne(
                                "SELECT conversation_id FROM recipients WHERE batch_id = :b AND phone_number = :n",
                                Map.of("b", batch, "n", to.get(0)),
                                String.class))
                .json();
        assertThat(conversation.at("/metadata/phone_call/type").asText()).isEqualTo("exotel");
        assertThat(conversation.at("/metadata/phone_call/call_sid").asText()).isEqualTo(connect.sid());
        assertThat(connect.field("CustomField"))
                .contains(conversation.get("conversation_id").asText());
    }

    @Test
    void duplicate_and_out_of_order_callbacks_change_nothing_once_a_call_has_ended() {
        var to = numbers(2, 1);
        var batch = submit(to);
        var connect = connectFor(to.getFirst());

        assertThat(callback(connect, "terminal", "completed", "HUMAN")).isEqualTo(200);
        assertThat(callback(connect, "answered", "in-progress", null)).isEqualTo(200);
        assertThat(callback(connect, "terminal", "completed", "HUMAN")).isEqualTo(200);
        assertThat(callback(connect, "terminal", "busy", null)).isEqualTo(200);

        Await.until(BOUND, "the batch completes", () -> batchStatus(batch).equals("completed"));
        assertThat(results(batch)).containsExactly(Map.entry(to.getFirst(), "completed/completed/completed"));
    }

    @Test
    void a_callback_with_a_forged_token_is_refused_and_changes_nothing() {
        var to = numbers(3, 1);
        var batch = submit(to);
        var connect = connectFor(to.getFirst());
        var url = connect.field("StatusCallback");
        var params = Map.of("CallSid", connect.sid(), "Status", "busy", "EventType", "terminal");
        Await.until(
                BOUND,
                "the attempt knows its call",
                () -> connect.sid()
                        .equals(fixtures.queryOne(
                                "SELECT coalesce(provider_call_id, '') FROM attempts WHERE batch_id = :b",
                                Map.of("b", batch),
                                String.class)));

        var forged = url.substring(0, url.lastIndexOf('/') + 1) + "not-the-token";
        assertThat(callbacks.send(forged, params, null)).isEqualTo(403);
        var otherAttempt = url.replaceFirst("/att[^/]*/", "/att_someone_else/");
        assertThat(callbacks.send(otherAttempt, params, null)).isEqualTo(403);
        assertThat(fixtures.queryOne(
                        "SELECT phase FROM attempts WHERE batch_id = :b", Map.of("b", batch), String.class))
                .isEqualTo("ringing");

        assertThat(callbacks.send(url, params, null)).isEqualTo(200);
        Await.until(BOUND, "the batch completes", () -> batchStatus(batch).equals("completed"));
        assertThat(results(batch)).containsExactly(Map.entry(to.getFirst(), "failed/busy/busy"));
    }

    @Test
    void an_exotel_number_can_ask_for_calls_streamed_to_the_agent_and_no_other_provider_has_that_setting() {
        var streaming = created(
                server.client()
                        .post(
                                "/v1/convai/phone-numbers",
                                "{\"provider\":\"exotel\","
                                        + "\"phone_number\":\"+918047112299\",\"label\":\"Stream\",\"account_sid\":\"acme1\","
                                        + "\"api_key\":\"k\",\"api_token\":\"t\",\"api_subdomain\":\"api.exotel.com\",\"app_id\":\"1\","
                                        + "\"agent_stream\":true}")
                        .json(),
                "phone_number_id");
        assertThat(server.client()
                        .get("/v1/convai/phone-numbers/" + streaming)
                        .json()
                        .get("agent_stream")
                        .asBoolean())
                .isTrue();
        assertThat(server.client()
                        .patch("/v1/convai/phone-numbers/" + streaming, "{\"agent_stream\":false}")
                        .json()
                        .get("agent_stream")
                        .asBoolean())
                .isFalse();
        assertThat(server.client()
                        .get("/v1/convai/phone-numbers/" + numberId)
                        .json()
                        .get("agent_stream")
                        .asBoolean())
                .isFalse();

        var simulated = created(
                server.client()
                        .post(
                                "/v1/convai/phone-numbers",
                                "{\"provider\":\"simulator\"," + "\"phone_number\":\"+14155550100\",\"label\":\"Sim\"}")
                        .json(),
                "phone_number_id");
        var refused = server.client().patch("/v1/convai/phone-numbers/" + simulated, "{\"agent_stream\":true}");
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.body()).contains("agent_stream", "only exotel numbers have this setting");
    }
}
