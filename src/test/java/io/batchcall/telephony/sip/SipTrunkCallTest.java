package io.batchcall.telephony.sip;

import static io.batchcall.telephony.sip.SipMessages.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Await;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * sip_trunk calls end to end: the whole server on port 0 places batch and single calls through sipp playing the
 * trunk, and bridges answered calls to sipp playing the agent (over UDP and TCP), refusing requests that only look
 * like they belong to a call. SIP's T1 is 50 ms here, so that SIP timers take a twentieth of their real time.
 */
@WithServer(env = "BATCHCALL_SIP_T1_MS=50")
class SipTrunkCallTest {
    private static TestServer server;
    private static TrunkCalls calls;

    @BeforeAll
    static void sippIsThere() {
        calls = TrunkCalls.whenSippIsInstalled(server);
    }

    @Test
    void an_answered_call_is_bridged_to_the_agent_and_the_agent_gets_the_bye_when_the_recipient_hangs_up() {
        try (var trunk = Sipp.start("trunk_answer_hangs_up.xml", 1);
                var agent = Sipp.start("agent_answer.xml", 1)) {
            var batch = calls.submit(calls.number(trunk, ""), calls.agent(agent), 1, 10, 5);

            var recipient = calls.awaitFinished(batch).get(0);

            assertThat(recipient.get("status").asText()).isEqualTo("completed");
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
            assertThat(agent.awaitExit(CALL_BOUND)).as(agent.diagnostics()).isZero();
            assertMediaFlowsBetween(trunk, agent);
        }
    }

    @Test
    void when_the_agent_hangs_up_the_recipient_gets_the_bye_and_the_call_completes() {
        try (var trunk = Sipp.start("trunk_answer.xml", 1);
                var agent = Sipp.start("agent_hangs_up.xml", 1)) {
            var batch = calls.submit(calls.number(trunk, ""), calls.agent(agent), 1, 10, 5);

            var attempt = calls.awaitAttempts(batch).get(0);

            assertThat(attempt.get("outcome").asText()).isEqualTo("completed");
            assertThat(attempt.get("answered_at_unix_ms").isNumber()).isTrue();
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
            assertThat(agent.awaitExit(CALL_BOUND)).as(agent.diagnostics()).isZero();
            assertMediaFlowsBetween(trunk, agent);
        }
    }

    @Test
    void the_agents_invite_carries_its_token_url_and_the_variables_that_fit_and_the_token_opens_its_data() {
        try (var trunk = Sipp.start("trunk_answer_hangs_up.xml", 1);
                var agent = Sipp.start("agent_answer.xml", 1)) {
            var agentId = calls.client()
                    .post(
                            "/v1/convai/agents/create",
                            "{\"name\":\"SIP agent\",\"sip_uri\":\"" + calls.agent(agent) + "\"}")
                    .json()
                    .get("agent_id")
                    .asText();
            var big = "y".repeat(250);
            var response = calls.client().post("/v1/convai/batch-calling/submit", """
                    {"call_name":"SIP vars","agent_id":"%s","agent_phone_number_id":"%s",
                     "recipients":[{"id":"r0","phone_number":"+14155569000","conversation_initiation_client_data":
                       {"dynamic_variables":{"first_name":"Ann","balance":12.50,"bad name":"x","line":"a\\nb",
                        "big1":"%s","big2":"%s","big3":"%s","city":"Paris"}}}]}""".formatted(
                            agentId, calls.number(trunk, ""), big, big, big));
            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            var batch = response.json().get("id").asText();

            var recipient = calls.awaitFinished(batch).get(0);
            assertThat(agent.awaitExit(CALL_BOUND)).as(agent.diagnostics()).isZero();

            var invite = agent.messages();
            var conversation = recipient.get("conversation_id").asText();
            assertThat(invite)
                    .contains(
                            "X-Batchcall-Conversation-Id: " + conversation,
                            "X-Batchcall-Url: /agent/v1/conversations/" + conversation,
                            "X-Batchcall-Var-first_name: Ann",
                            "X-Batchcall-Var-balance: 12.50",
                            "X-Batchcall-Var-big1: " + big,
                            "X-Batchcall-Var-city: Paris");
            // Not a SIP token, a line break, and what would pass the 600-byte UDP budget (big2, big3): left out,
            // and the call goes on.
            assertThat(invite)
                    .doesNotContain("bad name", "X-Batchcall-Var-line", "X-Batchcall-Var-big2", "X-Batchcall-Var-big3");
            var token =
                    java.util.regex.Pattern.compile("X-Batchcall-Token: (\\S+)").matcher(invite);
            assertThat(token.find()).isTrue();
            var read = new io.batchcall.support.ApiClient(
                            calls.port(), Map.of("Authorization", "Bearer " + token.group(1)))
                    .get("/agent/v1/conversations/" + conversation);
            assertThat(read.status()).as(read.toString()).isEqualTo(200);
            assertThat(read.json()
                            .at("/conversation_initiation_client_data/dynamic_variables/big3")
                            .asText())
                    .isEqualTo(big);
        }
    }

    @Test
    void a_trunk_reached_over_tcp_carries_the_call_the_same_way() {
        try (var trunk = Sipp.start("trunk_answer_hangs_up.xml", Map.of(), 1, "-t", "t1");
                var agent = Sipp.start("agent_answer.xml", 1)) {
            var batch = calls.submit(calls.numberAt(trunk.port(), "", "tcp", 20), calls.agent(agent), 1, 10, 5);

            var attempt = calls.awaitAttempts(batch).get(0);

            assertThat(attempt.get("outcome").asText()).as(attempt.toString()).isEqualTo("completed");
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
            assertThat(message(trunk.messages(), "INVITE sip:+1")).contains("Via: SIP/2.0/TCP");
            assertMediaFlowsBetween(trunk, agent);
        }
    }

    @Test
    void requests_with_the_call_id_of_a_live_call_but_a_wrong_tag_are_refused_and_the_call_goes_on() throws Exception {
        // The trunk hangs up by itself 3 s after the call is bridged; the forged requests come before that.
        try (var trunk = Sipp.start(
                        "trunk_answer_hangs_up.xml",
                        Map.of("<pause milliseconds=\"300\"/>", "<pause milliseconds=\"3000\"/>"),
                        1);
                var agent = Sipp.start("agent_answer.xml", 1);
                var forger = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            var batch = calls.submit(calls.number(trunk, ""), calls.agent(agent), 1, 10, 5);
            Await.until(
                    CALL_BOUND, "the call is bridged", () -> trunk.messages().contains("INVITE sip:trunk@"));
            var invite = message(trunk.messages(), "INVITE sip:+1");
            var ourPort = Integer.parseInt(header(invite, "Via").replaceAll(".*127\\.0\\.0\\.1:(\\d+).*", "$1"));

            // A re-INVITE would be answered with the session's media description; a BYE would end the call.
            assertThat(finalAnswer(forger, ourPort, forgedInDialog("INVITE", invite, ourPort, forger)))
                    .as("the answer to the forged re-INVITE")
                    .startsWith("SIP/2.0 481");
            assertThat(finalAnswer(forger, ourPort, forgedInDialog("BYE", invite, ourPort, forger)))
                    .as("the answer to the forged BYE")
                    .startsWith("SIP/2.0 481");

            var attempt = calls.awaitAttempts(batch).get(0);
            assertThat(attempt.get("outcome").asText()).isEqualTo("completed");
            // sipp's scenario passes only if its own BYE, 3 s later, was answered 200: the call was still up
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
            assertThat(agent.awaitExit(CALL_BOUND)).as(agent.diagnostics()).isZero();
        }
    }

    @ParameterizedTest(name = "{0} {1} ends as {2}")
    @CsvSource({
        "486, Busy Here, busy, ",
        "603, Decline, busy, ",
        "480, Temporarily Unavailable, no_answer, ",
        "404, Not Found, failed, the trunk answered 404 Not Found",
        "503, Service Unavailable, failed, the trunk answered 503 Service Unavailable"
    })
    void a_final_response_from_the_trunk_gives_its_outcome_and_keeps_its_code(
            int code, String reason, String outcome, String failure) {
        try (var trunk = Sipp.start("trunk_reject.tmpl", Map.of("CODE", Integer.toString(code), "REASON", reason), 1)) {
            var batch = calls.submit(calls.number(trunk, ""), "sip:agent@127.0.0.1:9", 1, 10, 5);

            var attempt = calls.awaitAttempts(batch).get(0);

            assertThat(attempt.get("outcome").asText()).isEqualTo(outcome);
            assertThat(attempt.get("sip_code").asInt()).isEqualTo(code);
            assertThat(attempt.get("provider_status").asText()).isEqualTo(code + " " + reason);
            assertThat(attempt.path("failure_reason").asText(null)).isEqualTo(failure);
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
        }
    }

    @Test
    void a_single_outbound_call_through_the_trunk_answers_its_sip_call_id_and_is_bridged_to_the_agent() {
        try (var trunk = Sipp.start("trunk_answer_hangs_up.xml", 1);
                var agent = Sipp.start("agent_answer.xml", 1)) {
            var answer = calls.singleCall(calls.number(trunk, ""), calls.agent(agent), "+14155570001");

            assertThat(answer.get("success").asBoolean()).as(answer.toString()).isTrue();
            var sipCallId = answer.get("sip_call_id").asText();
            assertThat(sipCallId).isNotBlank();
            var conversationId = answer.get("conversation_id").asText();
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
            assertThat(agent.awaitExit(CALL_BOUND)).as(agent.diagnostics()).isZero();
            Await.until(
                    CALL_BOUND,
                    "the conversation ends",
                    () -> calls.client()
                            .get("/v1/convai/conversations/" + conversationId)
                            .json()
                            .get("status")
                            .asText()
                            .equals("done"));
            var conversation = calls.client()
                    .get("/v1/convai/conversations/" + conversationId)
                    .json();
            assertThat(conversation.at("/metadata/phone_call/call_sid").asText())
                    .isEqualTo(sipCallId);
        }
    }

    @Test
    void a_single_outbound_call_the_trunk_refuses_at_once_answers_success_false_with_the_trunks_answer() {
        // A trunk that rings first has taken the call (success, as on Twilio); one that refuses the INVITE outright
        // never placed it.
        try (var trunk = Sipp.start("trunk_refuse_at_once.xml", 1)) {
            var answer = calls.singleCall(calls.number(trunk, ""), "sip:agent@127.0.0.1:9", "+14155570002");

            assertThat(answer.get("success").asBoolean()).as(answer.toString()).isFalse();
            assertThat(answer.get("message").asText()).contains("403");
            assertThat(answer.get("sip_call_id").isNull()).isTrue();
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
        }
    }

    @Test
    void a_batch_of_30_stays_within_the_trunk_cps_and_the_concurrency_limit_and_dials_everyone_once() {
        int cps = 10;
        int concurrency = 5;
        try (var trunk = Sipp.start("trunk_answer_hangs_up.xml", 30);
                var agent = Sipp.start("agent_answer.xml", 30)) {
            var batch =
                    calls.submit(calls.numberAt(trunk.port(), "", "udp", cps), calls.agent(agent), 30, 10, concurrency);

            // The batch first: paced calls not yet claimed have no attempt, so "every attempt so far ended" is not
            // "every recipient was called".
            Await.until(
                    Duration.ofSeconds(90),
                    "the batch to complete",
                    () -> calls.client().batchStatus(batch).equals("completed"));
            var attempts = calls.awaitAttempts(batch, Duration.ofSeconds(60));

            assertThat(attempts)
                    .hasSize(30)
                    .allSatisfy(a -> assertThat(a.get("outcome").asText()).isEqualTo("completed"));
            assertThat(attempts.stream()
                            .map(a -> a.get("recipient_id").asText())
                            .distinct())
                    .hasSize(30);
            var dials = attempts.stream()
                    .mapToLong(a -> a.get("dialed_at_unix_ms").asLong())
                    .sorted()
                    .toArray();
            // Dial slots are 1/cps apart; a dial a timer started late can sit closer to the next one, never more.
            for (long start : dials) {
                assertThat(java.util.Arrays.stream(dials)
                                .filter(t -> t >= start && t < start + 1_000)
                                .count())
                        .as("dials in the second from %d", start)
                        .isLessThanOrEqualTo(cps + 1);
            }
            assertThat(maxOverlap(attempts)).isLessThanOrEqualTo(concurrency);
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
            assertThat(agent.awaitExit(CALL_BOUND)).as(agent.diagnostics()).isZero();
            var dialed = Pattern.compile("(?m)^INVITE sip:(\\+\\d+)@.*\\R(?:.*\\R)*?Call-ID: (\\S+)")
                    .matcher(trunk.messages())
                    .results()
                    .map(m -> m.group(1) + " " + m.group(2))
                    .distinct()
                    .toList();
            assertThat(dialed).hasSize(30);
            assertThat(dialed.stream().map(d -> d.split(" ")[0]).distinct()).hasSize(30);
        }
    }
}
