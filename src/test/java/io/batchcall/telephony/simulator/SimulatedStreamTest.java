package io.batchcall.telephony.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchcall.config.SimulatorConfig;
import io.batchcall.domain.Agent;
import io.batchcall.domain.AttemptRef;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.PhoneNumber;
import io.batchcall.domain.Provider;
import io.batchcall.domain.TelephonyCallConfig;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.support.Await;
import io.batchcall.support.ManualTimers;
import io.batchcall.support.MutableClock;
import io.batchcall.support.TestAgent;
import io.batchcall.telephony.AgentAccess;
import io.batchcall.telephony.CallRequest;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * An answered simulated call opens the agent's media stream as Twilio would (connected, start with the call's
 * parameters, stop at the end), unless the egress policy refuses the agent's address.
 */
class SimulatedStreamTest {
    private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");
    private static final AgentAccess AGENT = conversation ->
            new AgentAccess.Grant("ws_1.mac", "/agent/v1/conversations/" + conversation.conversationId());

    private static CallRequest request(String mediaStreamUrl) {
        return request(mediaStreamUrl, "att_1");
    }

    private static CallRequest request(String mediaStreamUrl, String attemptId) {
        var workspace = new WorkspaceId("ws_1");
        var number = new PhoneNumber(
                workspace,
                "phnum_1",
                Provider.SIMULATOR,
                "+14155550100",
                "sim",
                Optional.empty(),
                "{}",
                true,
                BigDecimal.ONE,
                false,
                true,
                NOW,
                NOW);
        var agent = new Agent(
                workspace,
                "agent_1",
                "Agent",
                "{}",
                "[]",
                Optional.empty(),
                Optional.of(mediaStreamUrl),
                Optional.empty(),
                NOW,
                NOW);
        return new CallRequest(
                new AttemptRef(workspace, attemptId),
                "btcal_1",
                "rcp_1",
                "+14155550199",
                number,
                Map.of(),
                agent,
                new TelephonyCallConfig(30, false, Optional.empty()),
                "conv_1",
                Optional.of("{\"dynamic_variables\":{\"first_name\":\"Ann\",\"sim_outcome\":\"completed\"}}"));
    }

    private static List<String> events(TestAgent agent) {
        return agent.messages().stream().map(m -> m.path("event").asText()).toList();
    }

    @Test
    void an_answered_call_starts_the_agents_stream_with_its_parameters_and_stops_it_at_the_end() {
        try (var agent = TestAgent.start(null)) {
            var timers = new ManualTimers(new MutableClock(NOW));
            var simulator = new SimulatorProvider(
                    SimulatorConfig.defaults(),
                    timers,
                    event -> {},
                    new Random(1),
                    AGENT,
                    new EgressPolicy(true, EgressPolicy::systemResolve));

            simulator.place(request(agent.mediaStreamUrl()));
            timers.advance(SimulatorConfig.defaults().ring());
            Await.until(
                    Duration.ofSeconds(10),
                    "the stream starts",
                    () -> events(agent).contains("start"));
            timers.advance(SimulatorConfig.defaults().talk());
            Await.until(
                    Duration.ofSeconds(10),
                    "the stream stops",
                    () -> events(agent).contains("stop"));

            assertThat(events(agent)).containsExactly("connected", "start", "stop");
            JsonNode parameters = agent.messages().get(1).at("/start/customParameters");
            assertThat(parameters.toString())
                    .isEqualTo("{\"conversation_id\":\"conv_1\",\"batch_id\":\"btcal_1\","
                            + "\"recipient_id\":\"rcp_1\",\"batchcall_token\":\"ws_1.mac\","
                            + "\"batchcall_url\":\"/agent/v1/conversations/conv_1\",\"var_first_name\":\"Ann\","
                            + "\"var_sim_outcome\":\"completed\"}");
            assertThat(agent.messages().get(1).at("/start/callSid").asText()).isEqualTo("sim_att_1");
        }
    }

    @Test
    void an_agent_address_the_egress_policy_refuses_is_never_connected_and_the_call_goes_on() {
        try (var agent = TestAgent.start(null)) {
            var timers = new ManualTimers(new MutableClock(NOW));
            var reported = new java.util.concurrent.CopyOnWriteArrayList<String>();
            var simulator = new SimulatorProvider(
                    SimulatorConfig.defaults(),
                    timers,
                    event -> reported.add(event.getClass().getSimpleName()),
                    new Random(1),
                    AGENT,
                    new EgressPolicy(false, EgressPolicy::systemResolve));

            simulator.place(request(agent.mediaStreamUrl()));
            timers.advance(SimulatorConfig.defaults().ring());
            timers.advance(SimulatorConfig.defaults().talk());

            assertThat(reported).containsExactly("Answered", "Ended");
            // A control call the policy allows, placed after: once its stream has stopped, the refused call's
            // connection (opened at its answer, before the control's) would have shown too.
            var allowed = new SimulatorProvider(
                    SimulatorConfig.defaults(),
                    timers,
                    event -> {},
                    new Random(1),
                    AGENT,
                    new EgressPolicy(true, EgressPolicy::systemResolve));
            allowed.place(request(agent.mediaStreamUrl(), "att_2"));
            timers.advance(SimulatorConfig.defaults().ring());
            // The stream connects on its own thread: let it start before the call's end asks it to stop.
            Await.until(
                    Duration.ofSeconds(30),
                    "the control stream starts",
                    () -> events(agent).contains("start"));
            timers.advance(SimulatorConfig.defaults().talk());
            Await.until(
                    Duration.ofSeconds(30),
                    "the control stream stops",
                    () -> events(agent).contains("stop"));
            assertThat(agent.messages())
                    .filteredOn(m -> m.path("event").asText().equals("start"))
                    .extracting(m -> m.at("/start/callSid").asText())
                    .containsExactly("sim_att_2");
        }
    }
}
