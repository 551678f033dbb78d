package io.batchcall.telephony.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchcall.config.SimulatorConfig;
import io.batchcall.domain.CallEvent;
import io.batchcall.domain.ConversationRef;
import io.batchcall.domain.EgressPolicy;
import io.batchcall.domain.Outcome;
import io.batchcall.domain.Provider;
import io.batchcall.telephony.AgentAccess;
import io.batchcall.telephony.CallEventSink;
import io.batchcall.telephony.CallRequest;
import io.batchcall.telephony.CallState;
import io.batchcall.telephony.PlaceResult;
import io.batchcall.telephony.StreamParameters;
import io.batchcall.telephony.TelephonyProvider;
import io.batchcall.telephony.Timers;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

/**
 * A provider whose calls happen in memory: each rings, then is answered and talks, or ends busy, unanswered or
 * failed. Per recipient, dynamic variables {@code sim_outcome}, {@code sim_ring_ms} and {@code sim_talk_ms}
 * decide exactly ({@code sim_outcome} may list one outcome per dial, {@code "busy,busy,completed"}: the n-th dial of
 * the recipient on this node takes the n-th, the last repeats, so that retries can be shown); otherwise the
 * configured odds and durations do. A call that would ring longer than the
 * batch's ringing timeout ends as no answer at the timeout. An answered call to an agent with a
 * {@code media_stream_url} opens a {@link SimulatedStream} to it, as a Twilio call would.
 */
public final class SimulatorProvider implements TelephonyProvider {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SimulatorProvider.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SimulatorConfig config;
    private final Timers timers;
    private final CallEventSink events;
    private final RandomGenerator random;
    private final AgentAccess agents;
    private final EgressPolicy egress;
    /** Calls in flight on this node, by provider call id; the simulator cannot know anyone else's. */
    private final ConcurrentHashMap<String, Live> live = new ConcurrentHashMap<>();
    /** Dials so far of recipients whose {@code sim_outcome} lists several outcomes, by batch and recipient. */
    private final ConcurrentHashMap<String, Integer> scriptedDials = new ConcurrentHashMap<>();

    /** A call in flight: its request, the timer that moves it on, and whether it was answered. */
    private static final class Live {
        final CallRequest request;
        volatile Timers.Scheduled next;
        volatile boolean answered;
        volatile SimulatedStream stream;

        Live(CallRequest request) {
            this.request = request;
        }
    }

    public SimulatorProvider(
            SimulatorConfig config,
            Timers timers,
            CallEventSink events,
            RandomGenerator random,
            AgentAccess agents,
            EgressPolicy egress) {
        this.agents = agents;
        this.egress = egress;
        this.config = config;
        this.timers = timers;
        this.events = events;
        this.random = random;
    }

    @Override
    public Provider kind() {
        return Provider.SIMULATOR;
    }

    @Override
    public PlaceResult place(CallRequest request) {
        var script = script(request);
        var callId = "sim_" + request.attempt().attemptId();
        var call = new Live(request);
        live.put(callId, call);
        var timeout = Duration.ofSeconds(request.callConfig().ringingTimeoutSecs());
        switch (script.outcome()) {
            case NO_ANSWER ->
                call.next = timers.schedule(
                        shorter(script.ring(), timeout), () -> end(callId, new Outcome.NoAnswer(), "no-answer", 480));
            case BUSY, FAILED, COMPLETED, VOICEMAIL -> {
                if (script.ring().compareTo(timeout) >= 0) {
                    call.next = timers.schedule(timeout, () -> end(callId, new Outcome.NoAnswer(), "no-answer", 480));
                } else {
                    call.next = timers.schedule(script.ring(), () -> afterRinging(callId, script));
                }
            }
        }
        return new PlaceResult.Accepted(callId);
    }

    private void afterRinging(String callId, SimulatedCall script) {
        var call = live.get(callId);
        if (call == null) {
            return;
        }
        switch (script.outcome()) {
            case BUSY -> end(callId, new Outcome.Busy(), "busy", 486);
            case FAILED -> end(callId, new Outcome.Failed("simulated carrier failure", false), "failed", 500);
            case NO_ANSWER -> end(callId, new Outcome.NoAnswer(), "no-answer", 480);
            case COMPLETED, VOICEMAIL -> {
                call.answered = true;
                var request = call.request;
                // This server opens the connection (not Twilio's cloud), so the egress policy decides as for trunks.
                var streamUrl = request.agent().mediaStreamUrl().filter(this::reachable);
                if (streamUrl.isPresent()) {
                    // The agent reads its conversation as soon as its stream opens: the answer is stored first.
                    events.answered(request.attempt());
                } else {
                    // As a carrier's would, the call goes on while its answer is being stored.
                    events.reportWithoutWaiting(new CallEvent.Answered(request.attempt()));
                }
                streamUrl.ifPresent(url -> {
                    var parameters = new java.util.LinkedHashMap<String, String>(StreamParameters.fixed(
                            request,
                            agents.grant(
                                    new ConversationRef(request.attempt().workspaceId(), request.conversationId()))));
                    parameters.putAll(StreamParameters.variables(request));
                    call.stream = SimulatedStream.open(url, callId, parameters);
                });
                Outcome outcome = script.outcome() == SimulatedCall.Script.VOICEMAIL
                        ? new Outcome.Voicemail()
                        : new Outcome.Completed();
                call.next = timers.schedule(script.talk(), () -> end(callId, outcome, "completed", 200));
            }
        }
    }

    private boolean reachable(String url) {
        var refusal = Optional.ofNullable(java.net.URI.create(url).getHost()).flatMap(egress::refusal);
        refusal.ifPresent(reason -> log.info(
                "Simulated media stream not opened: the agent's media_stream_url is" + " refused reason={}", reason));
        return refusal.isEmpty();
    }

    private void end(String callId, Outcome outcome, String status, int sipCode) {
        var call = live.remove(callId);
        if (call != null) {
            if (call.stream != null) {
                call.stream.close();
            }
            events.ended(call.request.attempt(), outcome, Optional.of(status), Optional.of(sipCode));
        }
    }

    @Override
    public void cancel(CallRequest request, String providerCallId) {
        var call = live.get(providerCallId);
        if (call != null && !call.answered) {
            if (call.next != null) {
                call.next.cancel();
            }
            end(providerCallId, new Outcome.Cancelled(), "canceled", 487);
        }
    }

    @Override
    public void hangUp(CallRequest request, String providerCallId) {
        var call = live.get(providerCallId);
        if (call != null && call.answered) {
            if (call.next != null) {
                call.next.cancel();
            }
            end(providerCallId, new Outcome.Completed(), "completed", 200);
        }
    }

    @Override
    public CallState reconcile(CallRequest request, Optional<String> providerCallId) {
        var call = providerCallId.map(live::get);
        if (call.isPresent() && call.get() != null) {
            return call.get().answered
                    ? new CallState.Answered(providerCallId.get())
                    : new CallState.Ringing(providerCallId.get());
        }
        return new CallState.Unknown("the simulator keeps calls in the memory of the node that placed them");
    }

    /** The recipient's sim_* variables where given, the configured odds and durations otherwise. */
    SimulatedCall script(CallRequest request) {
        var variables = request.clientDataJson().map(SimulatorProvider::dynamicVariables);
        var outcome = variables
                .map(v -> v.get("sim_outcome"))
                .filter(JsonNode::isTextual)
                .flatMap(v -> SimulatedCall.Script.fromWire(nthOutcome(request, v.textValue())))
                .orElseGet(this::randomOutcome);
        var ring = variables
                .map(v -> v.get("sim_ring_ms"))
                .filter(JsonNode::isNumber)
                .map(v -> Duration.ofMillis(Math.max(0, v.longValue())))
                .orElse(config.ring());
        var talk = variables
                .map(v -> v.get("sim_talk_ms"))
                .filter(JsonNode::isNumber)
                .map(v -> Duration.ofMillis(Math.max(0, v.longValue())))
                .orElse(config.talk());
        return new SimulatedCall(outcome, ring, talk);
    }

    /** The outcome of this dial when {@code outcomes} lists one per dial; the one outcome otherwise. */
    private String nthOutcome(CallRequest request, String outcomes) {
        if (!outcomes.contains(",")) {
            return outcomes;
        }
        var list = outcomes.split(",");
        int dial = scriptedDials.merge(request.batchId() + "/" + request.recipientId(), 1, Integer::sum);
        return list[Math.min(dial, list.length) - 1].strip();
    }

    private SimulatedCall.Script randomOutcome() {
        double draw = random.nextDouble();
        if ((draw -= config.busy()) < 0) {
            return SimulatedCall.Script.BUSY;
        }
        if ((draw -= config.noAnswer()) < 0) {
            return SimulatedCall.Script.NO_ANSWER;
        }
        if ((draw -= config.voicemail()) < 0) {
            return SimulatedCall.Script.VOICEMAIL;
        }
        if (draw - config.failed() < 0) {
            return SimulatedCall.Script.FAILED;
        }
        return SimulatedCall.Script.COMPLETED;
    }

    private static JsonNode dynamicVariables(String clientData) {
        try {
            var variables = JSON.readTree(clientData).get("dynamic_variables");
            return variables != null && variables.isObject() ? variables : JSON.createObjectNode();
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static Duration shorter(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Calls in flight on this node: for the capacity benchmark and the shutdown drain. */
    public int callsInFlight() {
        return live.size();
    }
}
