package io.batchcall.telephony.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.batchcall.domain.Outcome;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The pure parts of the SIP provider: response codes to outcomes, trunk settings, and the SDP it writes. */
class SipSettingsAndMappingTest {

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
        "486, busy, false",
        "600, busy, false",
        "603, busy, false",
        "408, no_answer, false",
        "480, no_answer, false",
        "404, failed, false",
        "410, failed, false",
        "484, failed, false",
        "604, failed, false",
        "403, failed, false",
        "500, failed, false",
        "503, failed, true"
    })
    void final_responses_map_to_the_outcomes_of_the_issue(int status, String outcome, boolean retryable) {
        var mapped = SipOutcomes.ofFinalResponse(status, "Reason");

        assertThat(mapped.wireName()).isEqualTo(outcome);
        if (mapped instanceof Outcome.Failed failed) {
            assertThat(failed.retryable()).isEqualTo(retryable);
            assertThat(failed.reason()).isEqualTo("the trunk answered " + status + " Reason");
        }
    }

    @Test
    void a_challenge_is_answered_once_and_refused_credentials_make_the_number_unusable() {
        assertThat(SipOutcomes.ofFailure(401, "Unauthorized", true, false, Optional.empty()))
                .isEqualTo(new SipOutcomes.Verdict.Challenge());
        assertThat(SipOutcomes.ofFailure(407, "Proxy Authentication Required", true, true, Optional.empty()))
                .isEqualTo(new SipOutcomes.Verdict.Unusable("the trunk rejected the number's credentials (407 again)"));
        assertThat(SipOutcomes.ofFailure(403, "Forbidden", true, true, Optional.empty()))
                .isInstanceOf(SipOutcomes.Verdict.Unusable.class);
        assertThat(SipOutcomes.ofFailure(401, "Unauthorized", false, false, Optional.empty()))
                .isEqualTo(new SipOutcomes.Verdict.Unusable(
                        "the trunk asks for digest authentication (401) and the number has no credentials"));
        assertThat(SipOutcomes.ofFailure(403, "Forbidden", true, false, Optional.empty()))
                .isEqualTo(new SipOutcomes.Verdict.End(
                        new Outcome.Failed("the trunk answered 403 Forbidden", false), "403 Forbidden", 403));
    }

    @Test
    void after_our_cancel_a_487_ends_the_call_as_the_reason_we_cancelled() {
        assertThat(SipOutcomes.ofFailure(487, "Request Terminated", false, false, Optional.of(new Outcome.NoAnswer())))
                .isEqualTo(new SipOutcomes.Verdict.End(new Outcome.NoAnswer(), "487 Request Terminated", 487));
        assertThat(SipOutcomes.ofFailure(487, "Request Terminated", false, false, Optional.empty()))
                .isEqualTo(new SipOutcomes.Verdict.End(
                        new Outcome.Failed("the trunk answered 487 Request Terminated", false),
                        "487 Request Terminated",
                        487));
    }

    @Test
    void a_trunk_is_read_from_the_stored_settings_with_its_password_apart() throws Exception {
        var trunk = TrunkSettings.parse("""
                {"outbound_trunk":{"address":"sip:trunk.example.com:5070","transport":"tcp","username":"u",
                 "headers":{"X-Account":"42"},"attributes_to_headers":{"customer":"X-Customer"},
                 "enabled_codecs":["PCMA/8000"]}}""", Map.of("outbound_password", "p"));

        assertThat(trunk.host()).isEqualTo("trunk.example.com");
        assertThat(trunk.port()).isEqualTo(5070);
        assertThat(trunk.transport()).isEqualTo("tcp");
        assertThat(trunk.credentials()).contains(new TrunkSettings.Credentials("u", "p"));
        assertThat(trunk.credentials().orElseThrow().toString()).doesNotContain("p]");
        assertThat(trunk.headersFor(Optional.of("{\"dynamic_variables\":{\"customer\":\"acme\"}}")))
                .containsExactly(Map.entry("X-Account", "42"), Map.entry("X-Customer", "acme"));
        assertThat(trunk.codecs()).containsExactly("PCMA/8000");
    }

    @Test
    void a_bare_address_defaults_to_port_5060_over_udp_without_credentials() throws Exception {
        var trunk =
                TrunkSettings.parse("{\"outbound_trunk\":{\"address\":\"10.0.0.1\",\"transport\":\"auto\"}}", Map.of());

        assertThat(trunk.host()).isEqualTo("10.0.0.1");
        assertThat(trunk.port()).isEqualTo(5060);
        assertThat(trunk.transport()).isEqualTo("udp");
        assertThat(trunk.credentials()).isEmpty();
    }

    @Test
    void numbers_that_cannot_place_calls_say_why() {
        assertThatThrownBy(() -> TrunkSettings.parse("{\"outbound_trunk\":null}", Map.of()))
                .hasMessage("the sip_trunk number has no outbound_trunk_config");
        assertThatThrownBy(() -> TrunkSettings.parse(
                        "{\"outbound_trunk\":{\"address\":\"t.example\",\"transport\":\"tls\"}}", Map.of()))
                .hasMessage("transport tls is not supported yet: use udp or tcp");
        assertThatThrownBy(() -> TrunkSettings.parse("{\"outbound_trunk\":{\"address\":\"t.example:x\"}}", Map.of()))
                .hasMessage("the trunk address t.example:x has no valid port");
        assertThatThrownBy(() -> TrunkSettings.parse(
                        "{\"outbound_trunk\":{\"address\":\"t.example\",\"username\":\"u\"}}", Map.of()))
                .hasMessage("the trunk has a username but no password");
    }

    @Test
    void the_first_offer_is_inactive_with_the_enabled_codecs_and_telephone_events() {
        var offer = SessionDescriptions.inactiveOffer("192.0.2.1", 42, List.of("PCMA/8000"));

        assertThat(offer)
                .contains(
                        "o=batchcall 42 1 IN IP4 192.0.2.1\r\n",
                        "c=IN IP4 192.0.2.1\r\n",
                        "m=audio 9 RTP/AVP 8 101\r\n",
                        "a=rtpmap:8 PCMA/8000\r\n",
                        "a=inactive\r\n")
                .doesNotContain("PCMU");
        assertThat(SessionDescriptions.inactiveOffer("192.0.2.1", 42, List.of()))
                .contains("m=audio 9 RTP/AVP 0 8 9 101\r\n");
    }

    @Test
    void a_reoffer_is_the_other_sides_description_under_our_origin_with_a_higher_version() {
        var agent = "v=0\r\no=agent 7 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
                + "m=audio 40000 RTP/AVP 0\r\n";

        assertThat(SessionDescriptions.reoffer(agent, "192.0.2.1", 42, 2))
                .isEqualTo(agent.replace("o=agent 7 1 IN IP4 198.51.100.7", "o=batchcall 42 2 IN IP4 192.0.2.1"));
    }
}
