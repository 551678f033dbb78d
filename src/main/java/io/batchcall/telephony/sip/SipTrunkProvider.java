package io.batchcall.telephony.sip;

import gov.nist.javax.sip.clientauthutils.UserCredentials;
import io.batchcall.config.SipConfig;
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
import io.batchcall.telephony.media.AgentStreamUrl;
import io.batchcall.telephony.media.MediaBridge;
import io.batchcall.telephony.media.MediaPorts;
import java.net.InetAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.sip.ListeningPoint;

/**
 * The sip_trunk provider: batchcall is the SIP user agent. Each call is an INVITE to
 * {@code sip:<recipient>@<trunk address>}, answered calls are bridged to the agent's SIP URI
 * ({@link AgentBridge}), or, for an agent with only a media stream URL, through the media bridge
 * ({@link MediaLeg}), and outcomes follow the trunk's responses ({@link SipOutcomes}). A call exists only in
 * the memory of the node that placed it: no trunk can be asked about a call later.
 */
public final class SipTrunkProvider implements TelephonyProvider, AutoCloseable {
    private final SipEndpoint endpoint;
    private final SipRequests requests;
    private final SipConfig config;
    private final Timers timers;
    private final CallEventSink events;
    private final EgressPolicy egress;
    private final AgentAccess agents;
    /** Sockets for calls to agents that have only a media stream URL. */
    private final MediaPorts mediaPorts;

    private final SecureRandom random = new SecureRandom();
    /** Calls of this node by Call-ID of the trunk leg (the provider call id), kept a while after they end. */
    private final Map<String, OutboundCall> calls = new ConcurrentHashMap<>();

    private SipTrunkProvider(
            SipEndpoint endpoint,
            SipConfig config,
            Timers timers,
            CallEventSink events,
            EgressPolicy egress,
            AgentAccess agents,
            MediaPorts mediaPorts) {
        this.endpoint = endpoint;
        this.requests = new SipRequests(endpoint);
        this.config = config;
        this.timers = timers;
        this.events = events;
        this.egress = egress;
        this.agents = agents;
        this.mediaPorts = mediaPorts;
    }

    /**
     * Starts the SIP stack on the configured address (it listens from now on: close it). {@code trunkAddresses}
     * lists the outbound trunk addresses of every live sip_trunk number: requests from them are taken outside
     * calls too. {@code egress} says where calls and agents may be reached; {@code mediaPorts} gives the media
     * bridge its sockets, for agents that have a media stream URL but no SIP URI.
     */
    public static SipTrunkProvider start(
            SipConfig config,
            Timers timers,
            CallEventSink events,
            EgressPolicy egress,
            Supplier<List<String>> trunkAddresses,
            Clock clock,
            AgentAccess agents,
            MediaPorts mediaPorts) {
        var peers = new SipPeers(trunkAddresses, egress::resolve, clock);
        return new SipTrunkProvider(
                SipEndpoint.start(config, peers), config, timers, events, egress, agents, mediaPorts);
    }

    @Override
    public Provider kind() {
        return Provider.SIP_TRUNK;
    }

    /** The port the user agent listens on (UDP and TCP), chosen at start when configured as 0. */
    public int port() {
        return endpoint.port();
    }

    @Override
    public PlaceResult place(CallRequest request) {
        TrunkSettings trunk;
        try {
            trunk = TrunkSettings.parse(request.from().settingsJson(), request.credentials());
        } catch (TrunkSettings.Unusable e) {
            return new PlaceResult.Unusable(e.getMessage());
        }
        var sipUri = request.agent().sipUri();
        var streamUrl = request.agent().mediaStreamUrl();
        if (sipUri.isEmpty() && streamUrl.isEmpty()) {
            return new PlaceResult.Unusable("agent " + request.agent().id()
                    + " has neither a sip_uri nor a media_stream_url: a sip_trunk call has nowhere to connect it");
        }
        // Checked on what the names resolve to now, not when they were stored: DNS can change. JAIN-SIP resolves
        // them again a moment later through the JDK, whose cache (30 s by default) gives it the same answer.
        var trunkHost = egress.check(trunk.host());
        if (trunkHost instanceof EgressPolicy.Verdict.Refused refused) {
            return new PlaceResult.Unusable("the trunk address is refused: " + refused.reason());
        }
        var parties = new ArrayList<InetAddress>(((EgressPolicy.Verdict.Allowed) trunkHost).addresses());
        var grant = agents.grant(new ConversationRef(request.attempt().workspaceId(), request.conversationId()));
        var callId = endpoint.newCallId();
        Function<OutboundCall, AgentLeg> leg;
        Runnable release = () -> {};
        boolean agentOverTcp = false;
        if (sipUri.isPresent()) {
            AgentBridge.Target agent;
            try {
                var uri = requests.agentUri(sipUri.get());
                agent = new AgentBridge.Target(
                        uri,
                        request.to(),
                        AgentHeaders.of(
                                request.conversationId(),
                                grant,
                                request.clientDataJson(),
                                SipRequests.transportOf(uri)));
            } catch (ParseException e) {
                return new PlaceResult.Unusable("the agent's sip_uri cannot be used: " + e.getMessage());
            }
            var agentHost = egress.check(agent.uri().getHost());
            if (agentHost instanceof EgressPolicy.Verdict.Refused refused) {
                return new PlaceResult.Unusable("the agent's sip_uri is refused: " + refused.reason());
            }
            parties.addAll(((EgressPolicy.Verdict.Allowed) agentHost).addresses());
            agentOverTcp = SipRequests.transportOf(agent.uri()).equalsIgnoreCase(ListeningPoint.TCP);
            leg = call -> new AgentBridge(call, call.context(), agent);
        } else {
            URI url;
            switch (AgentStreamUrl.check(streamUrl.get(), egress)) {
                case AgentStreamUrl.Refused refused -> {
                    return new PlaceResult.Unusable(refused.reason());
                }
                case AgentStreamUrl.Usable usable -> url = usable.url();
            }
            if (!trunk.codecs().isEmpty()
                    && !trunk.codecs().contains("PCMU/8000")
                    && !trunk.codecs().contains("PCMA/8000")) {
                return new PlaceResult.Unusable("the trunk enables neither PCMU nor PCMA, which the media bridge"
                        + " needs to reach the agent's media_stream_url");
            }
            MediaBridge media;
            try {
                media = MediaBridge.open(mediaPorts, false, random);
            } catch (IllegalStateException e) {
                // Every port of the range is in use: this node is full, another try later may find one.
                return new PlaceResult.Ended(
                        new Outcome.Failed(e.getMessage(), true), Optional.of("no media port"), Optional.empty());
            }
            release = media::stop;
            var parameters = new LinkedHashMap<String, String>(StreamParameters.fixed(request, grant));
            parameters.putAll(StreamParameters.variables(request));
            var target = new MediaBridge.AgentTarget(url, callId.getCallId(), parameters);
            leg = call -> new MediaLeg(call, media, target);
        }
        if (trunk.transport().equalsIgnoreCase(ListeningPoint.TCP) || agentOverTcp) {
            try {
                endpoint.ensureTcp();
            } catch (javax.sip.SipException e) {
                release.run();
                return new PlaceResult.Ended(
                        new Outcome.Failed(e.getMessage(), true), Optional.of("unreachable"), Optional.empty());
            }
        }
        var credentials = trunk.credentials();
        var authentication = endpoint.authentication((transaction, realm) -> credentials
                .map(c -> (UserCredentials) new Credentials(c.username(), c.password(), realm))
                .orElse(null));
        var context = new CallContext(
                endpoint,
                requests,
                timers,
                config.t1(),
                new CallReport(events, request.attempt()),
                authentication,
                trunk,
                () -> {
                    calls.remove(callId.getCallId());
                    endpoint.peers().leave(parties);
                });
        var call = new OutboundCall(context, callId.getCallId(), leg);
        try {
            call.prepare(requests.trunkInvite(
                    callId,
                    trunk,
                    request.to(),
                    request.from().phoneNumber(),
                    trunk.headersFor(request.clientDataJson()),
                    call.offer()));
        } catch (ParseException | javax.sip.InvalidArgumentException e) {
            release.run();
            return new PlaceResult.Unusable("cannot build an INVITE for this trunk: " + e.getMessage());
        }
        // The call's trunk and agent may now send us requests (BYE, re-INVITE) until the call is forgotten.
        endpoint.peers().join(parties);
        calls.put(call.callId(), call);
        endpoint.register(call.callId(), call);
        return call.dial(Duration.ofSeconds(request.callConfig().ringingTimeoutSecs()));
    }

    /** Digest credentials for one realm, as JAIN-SIP's helper asks for them. */
    private record Credentials(String getUserName, String getPassword, String getSipDomain) implements UserCredentials {
        @Override
        public String toString() {
            return "Credentials[username=" + getUserName + "]";
        }
    }

    @Override
    public void cancel(CallRequest request, String providerCallId) {
        Optional.ofNullable(calls.get(providerCallId)).ifPresent(OutboundCall::cancel);
    }

    @Override
    public void hangUp(CallRequest request, String providerCallId) {
        Optional.ofNullable(calls.get(providerCallId)).ifPresent(OutboundCall::hangUp);
    }

    /** What this node knows of its own calls; a trunk cannot be asked about calls of a node that died. */
    @Override
    public CallState reconcile(CallRequest request, Optional<String> providerCallId) {
        return providerCallId
                .map(calls::get)
                .map(OutboundCall::state)
                .orElseGet(
                        () -> new CallState.Unknown(
                                "a SIP call lives in the memory of the node that placed it, and a trunk cannot be asked about it"));
    }

    /** Calls in flight or recently ended on this node. */
    public int calls() {
        return calls.size();
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
