package io.batchcall.telephony.twilio;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.config.TelephonyConfig;
import io.batchcall.domain.Agent;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.support.FakeTwilio;
import io.batchcall.support.MutableClock;
import io.batchcall.telephony.AgentAccess;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.PlaceResult;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A Twilio number's region_config: the regional REST host through its edge, with the region's auth token. */
class TwilioRegionTest {
    private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");
    private static final String REGIONAL = "{\"sid\":\"" + FakeTwilio.ACCOUNT + "\",\"region_config\":"
            + "{\"region_id\":\"ie1\",\"edge_location\":\"dublin\"}}";
    private static final Map<String, String> TOKENS =
            Map.of("token", FakeTwilio.AUTH_TOKEN, "region_token", "ie1-region-token");

    @Test
    void a_number_with_a_region_config_uses_the_regions_host_through_its_edge_and_the_regions_token() {
        var account = TwilioAccount.of(REGIONAL, TOKENS).orElseThrow();

        assertThat(account.apiBase(TelephonyConfig.DEFAULT_TWILIO_API_BASE))
                .isEqualTo("https://api.dublin.ie1.twilio.com");
        assertThat(account.token()).isEqualTo("ie1-region-token");
        assertThat(account.toString()).doesNotContain("token").contains("ie1/dublin");
    }

    @Test
    void a_number_without_a_region_config_uses_twilios_default_host_and_the_account_token() {
        var account = TwilioAccount.of("{\"sid\":\"" + FakeTwilio.ACCOUNT + "\",\"region_config\":null}", TOKENS)
                .orElseThrow();

        assertThat(account.apiBase(TelephonyConfig.DEFAULT_TWILIO_API_BASE)).isEqualTo("https://api.twilio.com");
        assertThat(account.token()).isEqualTo(FakeTwilio.AUTH_TOKEN);
    }

    @Test
    void a_configured_api_base_still_wins_so_that_tests_and_proxies_can_stand_in_for_twilio() {
        try (var twilio = new FakeTwilio()) {
            var provider = new TwilioProvider(
                    twilio.baseUrl(),
                    new TwilioLimits(Duration.ofSeconds(2), Duration.ofMillis(10), 3),
                    (kind, attempt) -> Optional.of("https://batchcall.example.test/cb"),
                    conversation -> new AgentAccess.Grant("t", "https://batchcall.example.test/agent"),
                    event -> {},
                    (attempt, kind, sids) -> Set.of(),
                    new MutableClock(NOW),
                    new EgressPolicy(true, EgressPolicy::systemResolve));
            var attempt = new AttemptRef(new WorkspaceId("ws_1"), "att_1");
            var number = new PhoneNumber(
                    attempt.workspaceId(),
                    "phnum_1",
                    Provider.TWILIO,
                    "+14155550100",
                    "Main",
                    Optional.empty(),
                    REGIONAL,
                    true,
                    BigDecimal.ONE,
                    false,
                    true,
                    NOW,
                    NOW);
            var agent = new Agent(
                    attempt.workspaceId(),
                    "agent_1",
                    "Agent",
                    "{}",
                    "[]",
                    Optional.empty(),
                    Optional.of("wss://agent.example.test/media"),
                    Optional.empty(),
                    NOW,
                    NOW);

            var result = provider.place(new CallRequest(
                    attempt,
                    "btcal_1",
                    "rcpt_1",
                    "+14155550199",
                    number,
                    TOKENS,
                    agent,
                    new TelephonyCallConfig(25, false, Optional.empty()),
                    "conv_1",
                    Optional.empty()));

            assertThat(result).isInstanceOf(PlaceResult.Accepted.class);
            var expected = "Basic "
                    + Base64.getEncoder()
                            .encodeToString(
                                    (FakeTwilio.ACCOUNT + ":ie1-region-token").getBytes(StandardCharsets.UTF_8));
            assertThat(twilio.creates())
                    .singleElement()
                    .satisfies(create -> assertThat(create.authorization()).isEqualTo(expected));
            provider.close();
        }
    }
}
