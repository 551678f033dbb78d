package io.batchcall.telephony.sip;

import static io.batchcall.telephony.sip.SipMessages.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Trunks that challenge the INVITE: 401 (Authorization, verified by sipp) and 407 (Proxy-Authorization, verified
 * against the digest computed here), each answered from the number's stored credentials; a wrong password fails
 * the batch, as its number cannot dial.
 */
@WithServer(env = "BATCHCALL_SIP_T1_MS=50")
class SipDigestAuthTest {
    private static TestServer server;
    private static TrunkCalls calls;

    @BeforeAll
    static void sippIsThere() {
        calls = TrunkCalls.whenSippIsInstalled(server);
    }

    @Test
    void a_401_challenge_is_answered_with_a_digest_the_trunk_verifies() {
        try (var trunk = Sipp.start(
                        "trunk_auth401.xml", 1, "-key", "auth_user", "trunkuser", "-key", "auth_pass", "s3cret");
                var agent = Sipp.start("agent_answer.xml", 1)) {
            var batch = calls.submit(calls.number(trunk, credentials("s3cret")), calls.agent(agent), 1, 10, 5);

            var attempt = calls.awaitAttempts(batch).get(0);

            assertThat(attempt.get("outcome").asText()).isEqualTo("completed");
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
            assertThat(trunk.messages()).contains("Authorization: Digest username=\"trunkuser\"");
        }
    }

    @Test
    void a_wrong_password_for_a_401_challenge_fails_the_batch_as_the_number_is_unusable() {
        try (var trunk =
                Sipp.start("trunk_auth401.xml", 1, "-key", "auth_user", "trunkuser", "-key", "auth_pass", "s3cret")) {
            var batch = calls.submit(calls.number(trunk, credentials("wrong")), "sip:agent@127.0.0.1:9", 1, 10, 5);

            calls.assertUnusableCredentials(batch);
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
            var batch = calls.submit(calls.number(trunk, credentials("s3cret")), calls.agent(agent), 1, 10, 5);

            var attempt = calls.awaitAttempts(batch).get(0);

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
            var batch = calls.submit(calls.number(trunk, credentials("wrong")), "sip:agent@127.0.0.1:9", 1, 10, 5);

            calls.assertUnusableCredentials(batch);
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
        }
    }
}
