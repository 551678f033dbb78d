package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Await;
import io.batchcall.support.DirectDatabase;
import io.batchcall.support.HttpResult;
import io.batchcall.support.TestServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Where a workspace may make us send traffic: trunk addresses, agent SIP URIs and media stream URLs are checked when
 * saved (422 naming the field) and again when dialed. {@code strict} runs as a node does by default
 * (BATCHCALL_ALLOW_PRIVATE_NETWORKS not set); {@code lenient} as the tests' servers do (set to true).
 */
class EgressApiTest {
    private static final AtomicInteger NUMBERS = new AtomicInteger();
    private static TestServer strict;
    private static TestServer lenient;

    @BeforeAll
    static void start() {
        var unset = new HashMap<String, String>();
        unset.put("BATCHCALL_ALLOW_PRIVATE_NETWORKS", null); // removed from the test defaults: the node's default
        strict = TestServer.start(unset, List.of());
        lenient = TestServer.start();
    }

    @AfterAll
    static void stop() {
        strict.close();
        lenient.close();
    }

    @Test
    void by_default_loopback_and_private_addresses_are_refused_naming_the_field() {
        assertRefused(agent(strict, "media_stream_url", "ws://127.0.0.1:9/media"), "media_stream_url");
        assertRefused(agent(strict, "media_stream_url", "wss://localhost/media"), "media_stream_url");
        assertRefused(agent(strict, "sip_uri", "sip:agent@10.1.2.3:5060;transport=tcp"), "sip_uri");
        assertRefused(agent(strict, "sip_uri", "sip:agent@[::1]"), "sip_uri");
        assertRefused(agent(strict, "sip_uri", "sip:agent@100.64.0.1"), "sip_uri");
        assertRefused(number(strict, "192.168.1.10:5060", ""), "outbound_trunk_config", "address");
        assertRefused(number(strict, "sip:0.0.0.0", ""), "outbound_trunk_config", "address");

        assertThat(agent(strict, "sip_uri", "sip:agent@203.0.113.7").status()).isEqualTo(200);
        assertThat(number(strict, "203.0.113.7:5060", "").status()).isEqualTo(200);
    }

    @Test
    void link_local_and_cloud_metadata_addresses_are_refused_even_when_private_networks_are_allowed() {
        for (var host : List.of(
                "169.254.169.254", "metadata.google.internal", "[fd00:ec2::254]", "100.100.100.200", "[fe80::1]")) {
            assertRefused(agent(lenient, "media_stream_url", "ws://" + host + "/media"), "media_stream_url");
            assertRefused(agent(lenient, "sip_uri", "sip:agent@" + host), "sip_uri");
            assertRefused(number(lenient, host + ":5060", ""), "outbound_trunk_config", "address");
        }

        assertThat(agent(lenient, "media_stream_url", "ws://127.0.0.1:9/media").status())
                .isEqualTo(200);
        assertThat(number(lenient, "10.0.0.5", "").status()).isEqualTo(200);
    }

    @Test
    void a_patch_to_a_refused_address_is_refused_and_changes_nothing() {
        var agentId = agent(lenient, "sip_uri", "sip:agent@127.0.0.1:5070")
                .json()
                .get("agent_id")
                .asText();
        var numberId = number(lenient, "127.0.0.1:5060", "")
                .json()
                .get("phone_number_id")
                .asText();

        assertRefused(
                lenient.client().patch("/v1/convai/agents/" + agentId, "{\"sip_uri\":\"sip:agent@169.254.169.254\"}"),
                "sip_uri");
        assertRefused(
                lenient.client()
                        .patch(
                                "/v1/convai/phone-numbers/" + numberId,
                                "{\"outbound_trunk_config\":{\"address\":\"metadata.google.internal\"}}"),
                "outbound_trunk_config",
                "address");

        assertThat(lenient.client()
                        .get("/v1/convai/agents/" + agentId)
                        .json()
                        .get("sip_uri")
                        .asText())
                .isEqualTo("sip:agent@127.0.0.1:5070");
        assertThat(lenient.client()
                        .get("/v1/convai/phone-numbers/" + numberId)
                        .json()
                        .at("/outbound_trunk/address")
                        .asText())
                .isEqualTo("127.0.0.1:5060");
    }

    @Test
    void trunk_headers_other_than_x_headers_are_refused() {
        assertRefused(
                number(lenient, "127.0.0.1", ",\"headers\":{\"P-Asserted-Identity\":\"<sip:+1@evil>\"}"),
                "outbound_trunk_config",
                "headers",
                "P-Asserted-Identity");
        assertRefused(
                number(lenient, "127.0.0.1", ",\"attributes_to_headers\":{\"customer\":\"Route\"}"),
                "outbound_trunk_config",
                "attributes_to_headers",
                "customer");
        assertRefused(
                number(lenient, "127.0.0.1", ",\"headers\":{\"X-Bad Name\":\"1\"}"),
                "outbound_trunk_config",
                "headers",
                "X-Bad Name");

        assertThat(number(
                                lenient,
                                "127.0.0.1",
                                ",\"headers\":{\"X-Account\":\"42\"},"
                                        + "\"attributes_to_headers\":{\"customer\":\"x-customer-id\"}")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void a_trunk_that_resolves_to_a_refused_address_at_dial_time_fails_the_batch_without_dialing() throws Exception {
        try (var trunk = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                var database = new DirectDatabase(strict)) {
            var numberId = number(strict, "203.0.113.7:5060", "")
                    .json()
                    .get("phone_number_id")
                    .asText();
            // What DNS can do after the number was saved: its name now resolves to loopback.
            database.jdbi()
                    .useHandle(handle -> handle.createUpdate("""
                            UPDATE phone_numbers
                            SET settings = jsonb_set(settings, '{outbound_trunk,address}', to_jsonb(CAST(:address AS text)))
                            WHERE id = :id""")
                            .bind("address", "localhost:" + trunk.getLocalPort())
                            .bind("id", numberId)
                            .execute());
            var agentId = agent(strict, "sip_uri", "sip:agent@203.0.113.8")
                    .json()
                    .get("agent_id")
                    .asText();

            var batch = strict.client()
                    .post("/v1/convai/batch-calling/submit", """
                    {"call_name":"Rebound","agent_id":"%s","agent_phone_number_id":"%s",
                     "recipients":[{"phone_number":"+14155550123"}]}""".formatted(agentId, numberId))
                    .json()
                    .get("id")
                    .asText();

            Await.until(
                    Duration.ofSeconds(20),
                    "the batch fails",
                    () -> strict.client().batchStatus(batch).equals("failed"));
            Await.until(
                    Duration.ofSeconds(20),
                    "the attempt ends",
                    () -> attempt(batch).get("outcome").isTextual());
            var attempt = attempt(batch);
            assertThat(attempt.get("failure_reason").asText())
                    .as(attempt.toString())
                    .isEqualTo("the trunk address is refused: localhost"
                            + " (127.0.0.1) is a loopback or private-network address, refused unless the operator sets"
                            + " BATCHCALL_ALLOW_PRIVATE_NETWORKS=true");
            assertThat(attempt.get("dialed_at_unix_ms").isNull()).isTrue();
            trunk.setSoTimeout(500);
            var nothing = new DatagramPacket(new byte[2_048], 2_048);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> trunk.receive(nothing))
                    .as("no INVITE reached the trunk")
                    .isInstanceOf(SocketTimeoutException.class);
        }
    }

    // ---- helpers

    private static com.fasterxml.jackson.databind.JsonNode attempt(String batch) {
        return strict.client()
                .get("/v1/convai/batch-calling/" + batch + "/attempts")
                .json()
                .get("attempts")
                .path(0);
    }

    private static HttpResult agent(TestServer server, String field, String value) {
        return server.client()
                .post("/v1/convai/agents/create", "{\"name\":\"Egress\",\"" + field + "\":\"" + value + "\"}");
    }

    private static HttpResult number(TestServer server, String address, String extraTrunkFields) {
        var phone = "+1415557" + String.format("%04d", NUMBERS.incrementAndGet());
        return server.client().post("/v1/convai/phone-numbers", """
                {"provider":"sip_trunk","phone_number":"%s","label":"Trunk",
                 "outbound_trunk_config":{"address":"%s"%s}}""".formatted(phone, address, extraTrunkFields));
    }

    private static void assertRefused(HttpResult response, String... field) {
        assertThat(response.status()).as(response.toString()).isEqualTo(422);
        var loc = new java.util.ArrayList<Object>(List.of("body"));
        loc.addAll(List.of(field));
        var locs = new java.util.ArrayList<String>();
        response.json()
                .get("detail")
                .forEach(violation -> locs.add(violation.get("loc").toString()));
        assertThat(locs)
                .as(response.toString())
                .contains(io.batchcall.api.Json.MAPPER.valueToTree(loc).toString());
    }
}
