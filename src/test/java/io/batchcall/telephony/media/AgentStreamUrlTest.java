package io.batchcall.telephony.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.EgressPolicy;
import java.net.URI;
import org.junit.jupiter.api.Test;

class AgentStreamUrlTest {
    private static final EgressPolicy PUBLIC_ONLY = new EgressPolicy(false, EgressPolicy::systemResolve);
    private static final EgressPolicy ANYWHERE = new EgressPolicy(true, EgressPolicy::systemResolve);

    @Test
    void a_url_the_egress_policy_allows_is_usable_as_given() {
        assertThat(AgentStreamUrl.check("ws://127.0.0.1:8765/media", ANYWHERE))
                .isEqualTo(new AgentStreamUrl.Usable(URI.create("ws://127.0.0.1:8765/media")));
    }

    @Test
    void a_private_address_is_refused_where_the_policy_keeps_calls_public() {
        assertThat(AgentStreamUrl.check("ws://127.0.0.1:8765/media", PUBLIC_ONLY))
                .isInstanceOfSatisfying(
                        AgentStreamUrl.Refused.class,
                        refused ->
                                assertThat(refused.reason()).startsWith("the agent's media_stream_url is refused: "));
    }

    @Test
    void text_that_is_not_a_url_says_so() {
        assertThat(AgentStreamUrl.check("ws://agent host/media", ANYWHERE))
                .isInstanceOfSatisfying(
                        AgentStreamUrl.Refused.class,
                        refused -> assertThat(refused.reason())
                                .startsWith("the agent's media_stream_url cannot be used: "));
    }
}
