package io.batchcall.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.support.HttpResult;
import io.batchcall.support.TestServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Request rates under /v1: per API key, per client address, and a small budget of unknown keys per address
 * that is spent before the database is asked. Each test starts its own server, since every request here comes
 * from 127.0.0.1 and so shares that address's buckets.
 */
class RateLimitTest {
    private static final String WORKSPACE = "/v1/batchcall/workspace";

    @Test
    void a_key_over_its_rate_gets_elevenlabs_shaped_429s_with_retry_after_while_other_keys_go_on() {
        try (var server = TestServer.start(
                Map.of("BATCHCALL_RATE_LIMIT_PER_KEY", "1", "BATCHCALL_RATE_LIMIT_PER_KEY_BURST", "5"), List.of())) {
            var other = server.newWorkspaceKey("other");
            for (int i = 0; i < 5; i++) {
                assertThat(server.client().get(WORKSPACE).status()).isEqualTo(200);
            }

            var refused = server.client().get(WORKSPACE);

            assertRateLimited(refused, "this API key");
            assertThat(server.client(other).get(WORKSPACE).status()).isEqualTo(200);
        }
    }

    @Test
    void an_address_over_its_rate_gets_429s_for_every_v1_request_but_health_and_metrics_still_answer() {
        try (var server = TestServer.start(
                Map.of("BATCHCALL_RATE_LIMIT_PER_ADDRESS", "1", "BATCHCALL_RATE_LIMIT_PER_ADDRESS_BURST", "10"),
                List.of())) {
            for (int i = 0; i < 10; i++) {
                server.client().get(WORKSPACE);
            }

            assertRateLimited(server.client().get(WORKSPACE), "this address");
            assertRateLimited(server.anonymous().get(WORKSPACE), "this address");
            assertThat(server.anonymous().get("/health").status()).isEqualTo(200);
            assertThat(server.anonymous().get("/ready").status()).isEqualTo(200);
            assertThat(server.anonymous().get("/metrics").status()).isEqualTo(200);
        }
    }

    @Test
    void after_its_budget_of_unknown_keys_an_address_is_refused_before_any_key_is_looked_up() {
        try (var server = TestServer.start(
                Map.of("BATCHCALL_RATE_LIMIT_UNKNOWN_KEYS", "1", "BATCHCALL_RATE_LIMIT_UNKNOWN_KEYS_BURST", "3"),
                List.of())) {
            var unused = server.newWorkspaceKey("never used yet");
            assertThat(server.client().get(WORKSPACE).status()).isEqualTo(200);
            for (int i = 0; i < 3; i++) {
                assertThat(server.client("bc_invented_key_number_" + i + "_000000")
                                .get(WORKSPACE)
                                .status())
                        .isEqualTo(401);
            }

            var invented = server.client("bc_invented_key_number_9_000000").get(WORKSPACE);
            var validButUnseen = server.client(unused).get(WORKSPACE);
            var validAndInUse = server.client().get(WORKSPACE);

            assertRateLimited(invented, "unknown API keys");
            // Refused although valid: the address was refused before its key was looked up at all.
            assertRateLimited(validButUnseen, "unknown API keys");
            assertThat(validAndInUse.status()).isEqualTo(200);
        }
    }

    static void assertRateLimited(HttpResult response, String because) {
        assertThat(response.status()).as(response.toString()).isEqualTo(429);
        assertThat(response.json().at("/detail/status").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(response.json().at("/detail/message").asText()).contains(because);
        assertThat(response.headers().firstValue("Retry-After"))
                .hasValueSatisfying(
                        seconds -> assertThat(Integer.parseInt(seconds)).isBetween(1, 60));
    }
}
