package io.batchcall.telephony.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.telephony.AgentAccess;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AgentHeadersTest {
    private static final AgentAccess.Grant GRANT = new AgentAccess.Grant("ws_1.mac", "/agent/v1/conversations/c");

    private static Optional<String> variables(String json) {
        return Optional.of("{\"dynamic_variables\":" + json + "}");
    }

    @Test
    void the_fixed_headers_always_go_first_and_variables_follow_in_submitted_order() {
        var headers = AgentHeaders.of("conv_1", GRANT, variables("{\"z\":\"last?\",\"a\":1.50,\"ok\":true}"), "udp");

        assertThat(headers)
                .containsExactly(
                        java.util.Map.entry("X-Batchcall-Conversation-Id", "conv_1"),
                        java.util.Map.entry("X-Batchcall-Token", "ws_1.mac"),
                        java.util.Map.entry("X-Batchcall-Url", "/agent/v1/conversations/c"),
                        java.util.Map.entry("X-Batchcall-Var-z", "last?"),
                        java.util.Map.entry("X-Batchcall-Var-a", "1.50"),
                        java.util.Map.entry("X-Batchcall-Var-ok", "true"));
    }

    @Test
    void tcp_carries_what_udp_must_leave_out_but_neither_takes_bad_names_control_characters_or_long_values() {
        var value = "v".repeat(200);
        var many = new StringBuilder("{");
        for (int i = 0; i < 10; i++) {
            many.append("\"n").append(i).append("\":\"").append(value).append("\",");
        }
        many.append("\"bad name\":\"x\",\"tab\":\"a\\tb\",\"long\":\"")
                .append("l".repeat(257))
                .append("\"}");

        var udp = AgentHeaders.of("conv_1", GRANT, variables(many.toString()), "udp");
        var tcp = AgentHeaders.of("conv_1", GRANT, variables(many.toString()), "tcp");

        assertThat(udp.keySet())
                .filteredOn(name -> name.startsWith(AgentHeaders.VARIABLE_PREFIX))
                .containsExactly("X-Batchcall-Var-n0", "X-Batchcall-Var-n1");
        assertThat(tcp.keySet())
                .filteredOn(name -> name.startsWith(AgentHeaders.VARIABLE_PREFIX))
                .hasSize(10)
                .doesNotContain("X-Batchcall-Var-bad name", "X-Batchcall-Var-tab", "X-Batchcall-Var-long");
    }
}
