package io.batchcall.telephony.sip;

import static io.batchcall.telephony.sip.SipMessages.CALL_BOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.support.ApiClient;
import io.batchcall.support.Await;
import io.batchcall.support.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The API side of the trunk tests against one server: trunk numbers pointing at sipp, SIP agents, batches and
 * single calls, and waiting for their attempts to end.
 */
final class TrunkCalls {
    private static final AtomicInteger NUMBERS = new AtomicInteger();
    private final TestServer server;

    private TrunkCalls(TestServer server) {
        this.server = server;
    }

    /**
     * The calls against {@code server}, for a class whose tests need sipp: without it on the PATH the class is
     * skipped (an assumption, not a failure), as on a developer machine without the Debian package sip-tester.
     */
    static TrunkCalls whenSippIsInstalled(TestServer server) {
        assumeTrue(
                Sipp.installed(),
                "sipp is not installed (Debian package sip-tester): the SIP trunk tests are"
                        + " skipped here; CI installs it and runs them");
        return new TrunkCalls(server);
    }

    ApiClient client() {
        return server.client();
    }

    int port() {
        return server.port();
    }

    String number(Sipp trunk, String credentials) {
        return numberAt(trunk.port(), credentials);
    }

    String numberAt(int port, String credentials) {
        return numberAt(port, credentials, "udp", 20);
    }

    String numberAt(int port, String credentials, String transport, int cps) {
        var phone = "+1415555" + String.format("%04d", 1000 + NUMBERS.incrementAndGet());
        var created = server.client()
                .post("/v1/convai/phone-numbers", """
                {"provider":"sip_trunk","phone_number":"%s","label":"Trunk","cps":%d,
                 "outbound_trunk_config":{"address":"127.0.0.1:%d","transport":"%s"%s}}""".formatted(phone, cps, port, transport, credentials));
        assertThat(created.status()).as(created.toString()).isEqualTo(200);
        return created.json().get("phone_number_id").asText();
    }

    String agent(Sipp agent) {
        return "sip:agent@127.0.0.1:" + agent.port();
    }

    String submit(String numberId, String agentSipUri, int recipients, int ringingSecs, int concurrency) {
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

    JsonNode batch(String batchId) {
        return server.client().get("/v1/convai/batch-calling/" + batchId).json();
    }

    List<JsonNode> awaitFinished(String batchId) {
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
    List<JsonNode> awaitAttempts(String batchId) {
        return awaitAttempts(batchId, CALL_BOUND);
    }

    List<JsonNode> awaitAttempts(String batchId, Duration bound) {
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

    void assertUnusableCredentials(String batch) {
        var attempt = awaitAttempts(batch).get(0);
        assertThat(batch(batch).get("status").asText()).as(attempt.toString()).isEqualTo("failed");
        assertThat(attempt.get("outcome").asText()).isEqualTo("failed");
        assertThat(attempt.get("failure_reason").asText()).contains("rejected the number's credentials");
    }

    JsonNode singleCall(String numberId, String agentSipUri, String to) {
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
}
