package io.batchcall.telephony.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.Await;
import io.batchcall.support.TestServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * sip_trunk calls end to end: the whole server on port 0 places batch calls through sipp playing the trunk, and
 * bridges answered calls to sipp playing the agent. SIP's T1 is 50 ms here, so that Timer B and the CANCEL
 * guard (64 x T1) take 3.2 s instead of 32 s.
 */
class SipTrunkCallTest {
    private static final Duration CALL_BOUND = Duration.ofSeconds(20);
    private static final AtomicInteger NUMBERS = new AtomicInteger();
    private static TestServer server;

    @BeforeAll
    static void start() {
        assumeTrue(
                Sipp.installed(),
                "sipp is not installed (Debian package sip-tester): the SIP trunk tests are"
                        + " skipped here; CI installs it and runs them");
        server = TestServer.start(Map.of("BATCHCALL_SIP_T1_MS", "50"), List.of());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void an_answered_call_is_bridged_to_the_agent_and_the_agent_gets_the_bye_when_the_recipient_hangs_up() {
        try (var trunk = Sipp.start("trunk_answer_hangs_up.xml", 1);
                var agent = Sipp.start("agent_answer.xml", 1)) {
            var batch = submit(number(trunk, ""), agent(agent), 1, 10, 5);

            var recipient = awaitFinished(batch).get(0);

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
            var batch = submit(number(trunk, ""), agent(agent), 1, 10, 5);

            var attempt = awaitAttempts(batch).get(0);

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
            var agentId = server.client()
                    .post("/v1/convai/agents/create", "{\"name\":\"SIP agent\",\"sip_uri\":\"" + agent(agent) + "\"}")
                    .json()
                    .get("agent_id")
                    .asText();
            var big = "y".repeat(250);
            var response = server.client()
                    .post("/v1/convai/batch-calling/submit", """
                    {"call_name":"SIP vars","agent_id":"%s","agent_phone_number_id":"%s",
                     "recipients":[{"id":"r0","phone_number":"+14155569000","conversation_initiation_client_data":
                       {"dynamic_variables":{"first_name":"Ann","balance":12.50,"bad name":"x","line":"a\\nb",
                        "big1":"%s","big2":"%s","big3":"%s","city":"Paris"}}}]}""".formatted(agentId, number(trunk, ""), big, big, big));
            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            var batch = response.json().get("id").asText();

            var recipient = awaitFinished(batch).get(0);
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
                            server.port(), Map.of("Authorization", "Bearer " + token.group(1)))
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
            var batch = submit(numberAt(trunk.port(), "", "tcp", 20), agent(agent), 1, 10, 5);

            var attempt = awaitAttempts(batch).get(0);

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
            var batch = submit(number(trunk, ""), agent(agent), 1, 10, 5);
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

            var attempt = awaitAttempts(batch).get(0);
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
            var batch = submit(number(trunk, ""), "sip:agent@127.0.0.1:9", 1, 10, 5);

            var attempt = awaitAttempts(batch).get(0);

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
            var answer = singleCall(number(trunk, ""), agent(agent), "+14155570001");

            assertThat(answer.get("success").asBoolean()).as(answer.toString()).isTrue();
            var sipCallId = answer.get("sip_call_id").asText();
            assertThat(sipCallId).isNotBlank();
            var conversationId = answer.get("conversation_id").asText();
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
            assertThat(agent.awaitExit(CALL_BOUND)).as(agent.diagnostics()).isZero();
            Await.until(
                    CALL_BOUND,
                    "the conversation ends",
                    () -> server.client()
                            .get("/v1/convai/conversations/" + conversationId)
                            .json()
                            .get("status")
                            .asText()
                            .equals("done"));
            var conversation = server.client()
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
            var answer = singleCall(number(trunk, ""), "sip:agent@127.0.0.1:9", "+14155570002");

            assertThat(answer.get("success").asBoolean()).as(answer.toString()).isFalse();
            assertThat(answer.get("message").asText()).contains("403");
            assertThat(answer.get("sip_call_id").isNull()).isTrue();
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
        }
    }

    private static JsonNode singleCall(String numberId, String agentSipUri, String to) {
        var agent = server.client()
                .post("/v1/convai/agents/create", "{\"name\":\"SIP agent\",\"sip_uri\":\"" + agentSipUri + "\"}");
        assertThat(agent.status()).as(agent.toString()).isEqualTo(200);
        var response = server.client().post("/v1/convai/sip-trunk/outbound-call", """
                {"agent_id":"%s","agent_phone_number_id":"%s","to_number":"%s",
                 "telephony_call_config":{"ringing_timeout_secs":10}}""".formatted(
                        agent.json().get("agent_id").asText(), numberId, to));
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    @Test
    void a_call_ringing_past_its_timeout_is_cancelled_and_ends_unanswered() {
        try (var trunk = Sipp.start("trunk_ring_forever.xml", 1)) {
            var batch = submit(number(trunk, ""), "sip:agent@127.0.0.1:9", 1, 1, 5);

            var attempt = awaitAttempts(batch).get(0);

            assertThat(attempt.get("outcome").asText()).isEqualTo("no_answer");
            assertThat(attempt.get("sip_code").asInt()).isEqualTo(487);
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
            assertThat(trunk.messages()).contains("CANCEL sip:+1");
        }
    }

    @Test
    void a_200_that_crosses_the_cancel_is_acknowledged_and_hung_up_at_once() {
        try (var trunk = Sipp.start("trunk_answer_on_cancel.xml", 1)) {
            var batch = submit(number(trunk, ""), "sip:agent@127.0.0.1:9", 1, 1, 5);

            var attempt = awaitAttempts(batch).get(0);

            assertThat(attempt.get("outcome").asText()).isEqualTo("no_answer");
            assertThat(attempt.get("provider_status").asText()).isEqualTo("200 OK after CANCEL");
            // sipp's scenario passes only if the ACK and the BYE came
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
        }
    }

    @Test
    void a_cancel_the_trunk_never_answers_ends_the_call_after_the_guard_timer() {
        try (var trunk = Sipp.start("trunk_swallow_cancel.xml", 1)) {
            var batch = submit(number(trunk, ""), "sip:agent@127.0.0.1:9", 1, 1, 5);

            var attempt = awaitAttempts(batch).get(0);

            assertThat(attempt.get("outcome").asText()).isEqualTo("no_answer");
            assertThat(attempt.get("provider_status").asText()).isEqualTo("CANCEL unanswered");
            assertThat(attempt.get("ended_at_unix_ms").asLong()
                            - attempt.get("dialed_at_unix_ms").asLong())
                    .isGreaterThanOrEqualTo(1_000 + 3_200);
        }
    }

    @Test
    void cancelling_the_batch_cancels_a_ringing_call() {
        try (var trunk = Sipp.start("trunk_ring_forever.xml", 1)) {
            var batch = submit(number(trunk, ""), "sip:agent@127.0.0.1:9", 1, 60, 5);
            Await.until(CALL_BOUND, "the call rings", () -> trunk.messages().contains("180 Ringing"));

            assertThat(server.client()
                            .postEmpty("/v1/convai/batch-calling/" + batch + "/cancel")
                            .status())
                    .isEqualTo(200);

            var attempt = awaitAttempts(batch).get(0);
            assertThat(attempt.get("outcome").asText()).isEqualTo("cancelled");
            assertThat(attempt.get("sip_code").asInt()).isEqualTo(487);
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
        }
    }

    @Test
    void a_401_challenge_is_answered_with_a_digest_the_trunk_verifies() {
        try (var trunk = Sipp.start(
                        "trunk_auth401.xml", 1, "-key", "auth_user", "trunkuser", "-key", "auth_pass", "s3cret");
                var agent = Sipp.start("agent_answer.xml", 1)) {
            var batch = submit(number(trunk, credentials("s3cret")), agent(agent), 1, 10, 5);

            var attempt = awaitAttempts(batch).get(0);

            assertThat(attempt.get("outcome").asText()).isEqualTo("completed");
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
            assertThat(trunk.messages()).contains("Authorization: Digest username=\"trunkuser\"");
        }
    }

    @Test
    void a_wrong_password_for_a_401_challenge_fails_the_batch_as_the_number_is_unusable() {
        try (var trunk =
                Sipp.start("trunk_auth401.xml", 1, "-key", "auth_user", "trunkuser", "-key", "auth_pass", "s3cret")) {
            var batch = submit(number(trunk, credentials("wrong")), "sip:agent@127.0.0.1:9", 1, 10, 5);

            assertUnusableCredentials(batch);
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
        }
    }

    @Test
    void a_407_challenge_is_answered_with_the_digest_computed_from_the_password() {
        int port = Sipp.freeUdpPort();
        try (var trunk = Sipp.startOn(
                        port,
                        "trunk_auth407.xml",
                        Map.of(),
                        1,
                        "-set",
                        "expected_response",
                        expectedDigest(port, "s3cret"));
                var agent = Sipp.start("agent_answer.xml", 1)) {
            var batch = submit(number(trunk, credentials("s3cret")), agent(agent), 1, 10, 5);

            var attempt = awaitAttempts(batch).get(0);

            assertThat(attempt.get("outcome").asText()).isEqualTo("completed");
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
            assertThat(trunk.messages()).contains("Proxy-Authorization: Digest username=\"trunkuser\"");
        }
    }

    @Test
    void a_wrong_password_for_a_407_challenge_fails_the_batch_as_the_number_is_unusable() {
        int port = Sipp.freeUdpPort();
        try (var trunk = Sipp.startOn(
                port, "trunk_auth407.xml", Map.of(), 1, "-set", "expected_response", expectedDigest(port, "s3cret"))) {
            var batch = submit(number(trunk, credentials("wrong")), "sip:agent@127.0.0.1:9", 1, 10, 5);

            assertUnusableCredentials(batch);
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
        }
    }

    @Test
    void a_dead_trunk_fails_the_call_as_retryable_after_timer_b() {
        var batch = submit(numberAt(Sipp.freeUdpPort(), ""), "sip:agent@127.0.0.1:9", 1, 10, 5);

        var attempt = awaitAttempts(batch).get(0);

        assertThat(attempt.get("outcome").asText()).isEqualTo("failed");
        assertThat(attempt.get("failure_reason").asText()).isEqualTo("the trunk did not answer the INVITE");
        assertThat(attempt.get("ended_at_unix_ms").asLong()
                        - attempt.get("dialed_at_unix_ms").asLong())
                .isGreaterThanOrEqualTo(3_000);
    }

    @Test
    void a_batch_of_30_stays_within_the_trunk_cps_and_the_concurrency_limit_and_dials_everyone_once() {
        int cps = 10;
        int concurrency = 5;
        try (var trunk = Sipp.start("trunk_answer_hangs_up.xml", 30);
                var agent = Sipp.start("agent_answer.xml", 30)) {
            var batch = submit(numberAt(trunk.port(), "", "udp", cps), agent(agent), 30, 10, concurrency);

            // The batch first: paced calls not yet claimed have no attempt, so "every attempt so far ended" is not
            // "every recipient was called".
            Await.until(
                    Duration.ofSeconds(90),
                    "the batch to complete",
                    () -> server.client().batchStatus(batch).equals("completed"));
            var attempts = awaitAttempts(batch, Duration.ofSeconds(60));

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

    // ---- helpers

    /** The most calls up at once, from each attempt's dial to its end (an end at the same ms frees first). */
    private static int maxOverlap(List<JsonNode> attempts) {
        var events = new ArrayList<long[]>();
        for (var attempt : attempts) {
            events.add(new long[] {attempt.get("dialed_at_unix_ms").asLong(), 1});
            events.add(new long[] {attempt.get("ended_at_unix_ms").asLong(), -1});
        }
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int up = 0;
        int max = 0;
        for (var event : events) {
            up += (int) event[1];
            max = Math.max(max, up);
        }
        return max;
    }

    /** Both sides got the other's media description: the agent's in the trunk's re-INVITE, the trunk's in the ACK. */
    private static void assertMediaFlowsBetween(Sipp trunk, Sipp agent) {
        var reinvite = message(trunk.messages(), "INVITE sip:trunk@");
        assertThat(reinvite)
                .contains("m=audio " + agent.mediaPort() + " RTP/AVP 8 0")
                .contains("o=batchcall ");
        var ack = message(agent.messages(), "ACK sip:agent@");
        assertThat(ack).contains("m=audio " + trunk.mediaPort() + " RTP/AVP 8");
        var firstInvite = message(trunk.messages(), "INVITE sip:+1");
        assertThat(firstInvite).contains("a=inactive").doesNotContain("m=audio " + agent.mediaPort());
    }

    /**
     * A request in the trunk leg's dialog as the trunk would send it, but with a From tag of no dialog: the
     * recipient's To as From, and our From (with our tag) as To.
     */
    private static String forgedInDialog(String method, String invite, int ourPort, DatagramSocket forger) {
        return method + " sip:batchcall@127.0.0.1:" + ourPort + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + forger.getLocalPort() + ";rport;branch=z9hG4bKforged"
                + method + "\r\n"
                + "From:" + value(invite, "To") + ";tag=forged\r\n"
                + "To:" + value(invite, "From") + "\r\n"
                + "Call-ID:" + value(invite, "Call-ID") + "\r\n"
                + "CSeq: 500 " + method + "\r\n"
                + "Contact: <sip:forger@127.0.0.1:" + forger.getLocalPort() + ">\r\n"
                + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    }

    /** Sends a request and returns the first final (non-1xx) response to it. */
    private static String finalAnswer(DatagramSocket socket, int port, String request) throws java.io.IOException {
        var bytes = request.getBytes(StandardCharsets.US_ASCII);
        socket.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(), port));
        socket.setSoTimeout(5_000);
        while (true) {
            var packet = new DatagramPacket(new byte[8_192], 8_192);
            socket.receive(packet);
            var answer = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII);
            if (!answer.startsWith("SIP/2.0 1")) {
                return answer;
            }
        }
    }

    /** One header line of a message, as it is written there (name included). */
    private static String header(String message, String name) {
        return message.lines()
                .filter(line -> line.startsWith(name + ":"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in\n" + message));
    }

    /** The value of one header of a message, after its colon. */
    private static String value(String message, String name) {
        return header(message, name).substring(name.length() + 1);
    }

    /** The first message in a sipp trace that starts with {@code startLine}, up to the next trace separator. */
    private static String message(String trace, String startLine) {
        int start = trace.indexOf(startLine);
        assertThat(start)
                .as("a message starting with " + startLine + " in\n" + trace)
                .isNotNegative();
        int end = trace.indexOf("-----", start);
        return end < 0 ? trace.substring(start) : trace.substring(start, end);
    }

    private static void assertUnusableCredentials(String batch) {
        var attempt = awaitAttempts(batch).get(0);
        assertThat(batch(batch).get("status").asText()).as(attempt.toString()).isEqualTo("failed");
        assertThat(attempt.get("outcome").asText()).isEqualTo("failed");
        assertThat(attempt.get("failure_reason").asText()).contains("rejected the number's credentials");
    }

    private static String credentials(String password) {
        return ",\"credentials\":{\"username\":\"trunkuser\",\"password\":\"" + password + "\"}";
    }

    /**
     * The digest response a 407-challenged INVITE to the first recipient must carry (RFC 2617 without qop),
     * computed here by hand because sipp's verifyauth reads only Authorization, not Proxy-Authorization.
     */
    private static String expectedDigest(int trunkPort, String password) {
        var ha1 = md5("trunkuser:trunk.example:" + password);
        var ha2 = md5("INVITE:sip:+14155560000@127.0.0.1:" + trunkPort + ";transport=udp");
        return md5(ha1 + ":4711abcdef:" + ha2);
    }

    private static String number(Sipp trunk, String credentials) {
        return numberAt(trunk.port(), credentials);
    }

    private static String numberAt(int port, String credentials) {
        return numberAt(port, credentials, "udp", 20);
    }

    private static String numberAt(int port, String credentials, String transport, int cps) {
        var phone = "+1415555" + String.format("%04d", 1000 + NUMBERS.incrementAndGet());
        var created = server.client()
                .post("/v1/convai/phone-numbers", """
                {"provider":"sip_trunk","phone_number":"%s","label":"Trunk","cps":%d,
                 "outbound_trunk_config":{"address":"127.0.0.1:%d","transport":"%s"%s}}""".formatted(phone, cps, port, transport, credentials));
        assertThat(created.status()).as(created.toString()).isEqualTo(200);
        return created.json().get("phone_number_id").asText();
    }

    private static String agent(Sipp agent) {
        return "sip:agent@127.0.0.1:" + agent.port();
    }

    private static String submit(
            String numberId, String agentSipUri, int recipients, int ringingSecs, int concurrency) {
        var agent = server.client()
                .post("/v1/convai/agents/create", "{\"name\":\"SIP agent\",\"sip_uri\":\"" + agentSipUri + "\"}");
        assertThat(agent.status()).as(agent.toString()).isEqualTo(200);
        var list = new ArrayList<String>();
        for (int i = 0; i < recipients; i++) {
            list.add("{\"id\":\"r" + i + "\",\"phone_number\":\"+1415556" + String.format("%04d", i) + "\"}");
        }
        var response = server.client().post("/v1/convai/batch-calling/submit", """
                {"call_name":"SIP","agent_id":"%s","agent_phone_number_id":"%s","recipients":[%s],
                 "target_concurrency_limit":%d,"telephony_call_config":{"ringing_timeout_secs":%d}}""".formatted(
                agent.json().get("agent_id").asText(), numberId, String.join(",", list), concurrency, ringingSecs));
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().get("id").asText();
    }

    private static JsonNode batch(String batchId) {
        return server.client().get("/v1/convai/batch-calling/" + batchId).json();
    }

    private static List<JsonNode> awaitFinished(String batchId) {
        Await.until(
                CALL_BOUND,
                "batch " + batchId + " finishes",
                () -> List.of("completed", "failed", "cancelled")
                        .contains(batch(batchId).get("status").asText()));
        var recipients = new ArrayList<JsonNode>();
        batch(batchId).get("recipients").forEach(recipients::add);
        return recipients;
    }

    /** The batch's attempts once every one has ended. */
    private static List<JsonNode> awaitAttempts(String batchId) {
        return awaitAttempts(batchId, CALL_BOUND);
    }

    private static List<JsonNode> awaitAttempts(String batchId, Duration bound) {
        var attempts = new ArrayList<JsonNode>();
        Await.until(bound, "every attempt of " + batchId + " ends", () -> {
            attempts.clear();
            server.client()
                    .get("/v1/convai/batch-calling/" + batchId + "/attempts?limit=1000")
                    .json()
                    .get("attempts")
                    .forEach(attempts::add);
            return !attempts.isEmpty()
                    && attempts.stream().allMatch(a -> a.get("outcome").isTextual());
        });
        return attempts;
    }

    private static String md5(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
