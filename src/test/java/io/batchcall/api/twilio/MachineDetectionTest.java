package io.batchcall.api.twilio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.Await;
import io.batchcall.support.FakeTwilio;
import io.batchcall.support.Fixtures;
import io.batchcall.support.TestServer;
import io.batchcall.support.TwilioCallbacks;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Asynchronous answering-machine detection on the fake Twilio: the verdict is recorded and sent as its own event,
 * but the call (and so its concurrency slot) lasts until Twilio's terminal callback, which ends it as a voicemail.
 */
class MachineDetectionTest {
    private static final String PUBLIC_URL = "https://batchcall.example.test";
    private static final Duration BOUND = Duration.ofSeconds(30);

    private static FakeTwilio twilio;
    private static TestServer server;
    private static Fixtures fixtures;
    private static TwilioCallbacks callbacks;
    private static String numberId;

    @BeforeAll
    static void start() {
        twilio = new FakeTwilio();
        server = TestServer.start(
                Map.of("BATCHCALL_TWILIO_API_BASE", twilio.baseUrl(), "BATCHCALL_PUBLIC_URL", PUBLIC_URL), List.of());
        fixtures = new Fixtures(server);
        callbacks = new TwilioCallbacks(PUBLIC_URL, server.port(), FakeTwilio.AUTH_TOKEN);
        numberId = server.client()
                .post(
                        "/v1/convai/phone-numbers",
                        "{\"provider\":\"twilio\","
                                + "\"phone_number\":\"+14155550199\",\"label\":\"Twilio\",\"sid\":\""
                                + FakeTwilio.ACCOUNT + "\","
                                + "\"token\":\"" + FakeTwilio.AUTH_TOKEN + "\",\"cps\":50}")
                .json()
                .get("phone_number_id")
                .asText();
    }

    @AfterAll
    static void stop() {
        server.close();
        twilio.close();
    }

    private static String agent(String name, String limits) {
        var response = server.client()
                .post(
                        "/v1/convai/agents/create",
                        "{\"name\":\"" + name + "\"," + "\"media_stream_url\":\"wss://agent.example.test/media\""
                                + limits + "}");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("agent_id").asText();
    }

    private static String submit(String agentId, List<String> numbers) {
        var recipients = String.join(
                ",",
                numbers.stream().map(n -> "{\"phone_number\":\"" + n + "\"}").toList());
        var response = server.client()
                .post(
                        "/v1/convai/batch-calling/submit",
                        "{\"call_name\":\"AMD\","
                                + "\"agent_id\":\"" + agentId + "\",\"agent_phone_number_id\":\"" + numberId
                                + "\",\"recipients\":["
                                + recipients
                                + "],\"telephony_call_config\":{\"twilio_machine_detection\":{\"mode\":\"enable\"}}}");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("id").asText();
    }

    private static boolean dialed(String to) {
        return twilio.creates().stream().anyMatch(c -> to.equals(c.field("To")));
    }

    private static FakeTwilio.Sent createFor(String to) {
        Await.until(BOUND, "a create request to " + to, () -> dialed(to));
        return twilio.creates().stream()
                .filter(c -> to.equals(c.field("To")))
                .findFirst()
                .orElseThrow();
    }

    /** Twilio's AsyncAmdStatusCallback: no CallStatus, only the verdict. */
    private static int verdict(FakeTwilio.Sent create, String answeredBy) {
        var params = new LinkedHashMap<String, String>();
        params.put("AccountSid", FakeTwilio.ACCOUNT);
        params.put("CallSid", create.sid());
        params.put("AnsweredBy", answeredBy);
        params.put("MachineDetectionDuration", "2300");
        var url = create.field("AsyncAmdStatusCallback");
        return callbacks.send(url, params, TwilioCallbacks.sign(url, params, FakeTwilio.AUTH_TOKEN));
    }

    private static int inFlight(String table, String id) {
        return fixtures.queryOne(
                "SELECT in_flight FROM " + io.batchcall.support.InFlightCounts.of(table) + " WHERE id = :id",
                Map.of("id", id),
                Integer.class);
    }

    private static JsonNode attempts(String batchId) {
        return server.client()
                .get("/v1/convai/batch-calling/" + batchId + "/attempts")
                .json()
                .get("attempts");
    }

    @Test
    void a_machine_verdict_keeps_the_slot_until_the_call_ends_then_the_recipient_is_a_voicemail() {
        var agentId = agent("Limited", ",\"concurrency_limit\":1");
        var first = "+14155557001";
        var second = "+14155557002";
        var batch = submit(agentId, List.of(first, second));
        var create = createFor(first);
        assertThat(create.field("AsyncAmd")).isEqualTo("true");
        assertThat(callbacks.status(create, 0, "initiated", Map.of())).isEqualTo(204);
        assertThat(callbacks.status(create, 1, "in-progress", Map.of())).isEqualTo(204);

        assertThat(verdict(create, "machine_end_beep")).isEqualTo(204);

        // The callback answers once the verdict is stored: the call goes on, and so does its slot.
        var attempt = attempts(batch).get(0);
        assertThat(attempt.get("phase").asText()).isEqualTo("answered");
        assertThat(attempt.get("answered_by").asText()).isEqualTo("machine_end_beep");
        assertThat(attempt.get("outcome").isNull()).isTrue();
        assertThat(inFlight("agents", agentId)).isEqualTo(1);
        assertThat(inFlight("workspaces", fixtures.workspaceOf(TestServer.API_KEY)))
                .isEqualTo(1);
        // Another agent's batch is dialed after the verdict: the dispatcher ran, and still left the limited
        // agent's second recipient waiting.
        var probe = "+14155557003";
        submit(agent("Unlimited", ""), List.of(probe));
        createFor(probe);
        assertThat(dialed(second))
                .as("the second recipient is dialed while the first call goes on")
                .isFalse();
        var event = fixtures.queryList(
                "SELECT body::text FROM events WHERE type = 'call.machine_detected'" + " AND batch_id = :b",
                Map.of("b", batch),
                String.class);
        assertThat(event)
                .singleElement()
                .satisfies(body -> assertThat(body)
                        .contains(
                                "\"answered_by\":\"machine_end_beep\"",
                                "\"is_machine\":true",
                                "\"batch_call_id\":\"" + batch + "\""));

        assertThat(callbacks.status(create, 2, "completed", Map.of("CallDuration", "31")))
                .isEqualTo(204);

        createFor(second);
        var recipient = fixtures.queryOne(
                "SELECT status || '/' || last_outcome FROM recipients" + " WHERE batch_id = :b AND phone_number = :n",
                Map.of("b", batch, "n", first),
                String.class);
        assertThat(recipient).isEqualTo("voicemail/voicemail");
        assertThat(attempts(batch).get(0).get("outcome").asText()).isEqualTo("voicemail");
    }

    @Test
    void a_human_verdict_is_recorded_and_the_call_ends_completed() {
        var agentId = agent("Humans", "");
        var to = "+14155557101";
        var batch = submit(agentId, List.of(to));
        var create = createFor(to);
        assertThat(callbacks.status(create, 1, "in-progress", Map.of())).isEqualTo(204);

        assertThat(verdict(create, "human")).isEqualTo(204);
        assertThat(verdict(create, "machine_start"))
                .as("a repeated verdict changes nothing")
                .isEqualTo(204);
        assertThat(callbacks.status(create, 2, "completed", Map.of("CallDuration", "31")))
                .isEqualTo(204);

        Await.until(
                BOUND,
                "the batch completes",
                () -> server.client()
                        .get("/v1/convai/batch-calling/" + batch)
                        .json()
                        .get("status")
                        .asText()
                        .equals("completed"));
        var attempt = attempts(batch).get(0);
        assertThat(attempt.get("answered_by").asText()).isEqualTo("human");
        assertThat(attempt.get("outcome").asText()).isEqualTo("completed");
        assertThat(fixtures.queryOne(
                        "SELECT count(*) FROM events WHERE type = 'call.machine_detected'" + " AND batch_id = :b",
                        Map.of("b", batch),
                        Integer.class))
                .isEqualTo(1);
    }
}
