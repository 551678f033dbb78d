package io.batchcall.telephony.sip;

import static io.batchcall.telephony.sip.SipMessages.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.Await;
import io.batchcall.support.TestServer;
import io.batchcall.support.WithServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Trunk calls that do not get answered: the ringing timeout's CANCEL, a 200 that crosses it, a CANCEL never
 * answered (the guard timer, 64 x T1), a batch cancelled while ringing, and a dead trunk (Timer B). T1 is 50 ms
 * here, so Timer B and the CANCEL guard take 3.2 s instead of 32 s.
 */
@WithServer(env = "BATCHCALL_SIP_T1_MS=50")
class SipCancelAndTimersTest {
    private static TestServer server;
    private static TrunkCalls calls;

    @BeforeAll
    static void sippIsThere() {
        calls = TrunkCalls.whenSippIsInstalled(server);
    }

    @Test
    void a_call_ringing_past_its_timeout_is_cancelled_and_ends_unanswered() {
        try (var trunk = Sipp.start("trunk_ring_forever.xml", 1)) {
            var batch = calls.submit(calls.number(trunk, ""), "sip:agent@127.0.0.1:9", 1, 1, 5);

            var attempt = calls.awaitAttempts(batch).get(0);

            assertThat(attempt.get("outcome").asText()).isEqualTo("no_answer");
            assertThat(attempt.get("sip_code").asInt()).isEqualTo(487);
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
            assertThat(trunk.messages()).contains("CANCEL sip:+1");
        }
    }

    @Test
    void a_200_that_crosses_the_cancel_is_acknowledged_and_hung_up_at_once() {
        try (var trunk = Sipp.start("trunk_answer_on_cancel.xml", 1)) {
            var batch = calls.submit(calls.number(trunk, ""), "sip:agent@127.0.0.1:9", 1, 1, 5);

            var attempt = calls.awaitAttempts(batch).get(0);

            assertThat(attempt.get("outcome").asText()).isEqualTo("no_answer");
            assertThat(attempt.get("provider_status").asText()).isEqualTo("200 OK after CANCEL");
            // sipp's scenario passes only if the ACK and the BYE came
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
        }
    }

    @Test
    void a_cancel_the_trunk_never_answers_ends_the_call_after_the_guard_timer() {
        try (var trunk = Sipp.start("trunk_swallow_cancel.xml", 1)) {
            var batch = calls.submit(calls.number(trunk, ""), "sip:agent@127.0.0.1:9", 1, 1, 5);

            var attempt = calls.awaitAttempts(batch).get(0);

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
            var batch = calls.submit(calls.number(trunk, ""), "sip:agent@127.0.0.1:9", 1, 60, 5);
            Await.until(CALL_BOUND, "the call rings", () -> trunk.messages().contains("180 Ringing"));

            assertThat(calls.client()
                            .postEmpty("/v1/convai/batch-calling/" + batch + "/cancel")
                            .status())
                    .isEqualTo(200);

            var attempt = calls.awaitAttempts(batch).get(0);
            assertThat(attempt.get("outcome").asText()).isEqualTo("cancelled");
            assertThat(attempt.get("sip_code").asInt()).isEqualTo(487);
            assertThat(trunk.awaitExit(CALL_BOUND)).as(trunk.diagnostics()).isZero();
        }
    }

    @Test
    void a_dead_trunk_fails_the_call_as_retryable_after_timer_b() {
        var batch = calls.submit(calls.numberAt(Sipp.freeUdpPort(), ""), "sip:agent@127.0.0.1:9", 1, 10, 5);

        var attempt = calls.awaitAttempts(batch).get(0);

        assertThat(attempt.get("outcome").asText()).isEqualTo("failed");
        assertThat(attempt.get("failure_reason").asText()).isEqualTo("the trunk did not answer the INVITE");
        assertThat(attempt.get("ended_at_unix_ms").asLong()
                        - attempt.get("dialed_at_unix_ms").asLong())
                .isGreaterThanOrEqualTo(3_000);
    }
}
