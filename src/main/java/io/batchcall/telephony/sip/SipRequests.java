package io.batchcall.telephony.sip;

import java.text.ParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import javax.sip.InvalidArgumentException;
import javax.sip.ListeningPoint;
import javax.sip.address.SipURI;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the two dialog-creating INVITEs of a call: to the recipient through the trunk, and to the agent. */
final class SipRequests {
    private static final Logger log = LoggerFactory.getLogger(SipRequests.class);
    private static final int MAX_FORWARDS = 70;

    private final SipEndpoint endpoint;

    SipRequests(SipEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /**
     * {@code INVITE sip:<to>@<trunk>} from {@code sip:<from>@<trunk>}, with P-Asserted-Identity (trunks take the
     * caller ID from either), the trunk's own headers and our SDP offer.
     */
    Request trunkInvite(
            CallIdHeader callId,
            TrunkSettings trunk,
            String to,
            String from,
            Map<String, String> extraHeaders,
            String sdp)
            throws ParseException, InvalidArgumentException {
        var target = endpoint.addresses().createSipURI(to, trunk.host());
        target.setPort(trunk.port());
        if (!trunk.transport().equals(ListeningPoint.UDP)) {
            target.setTransportParam(trunk.transport());
        }
        var caller = endpoint.addresses().createSipURI(from, trunk.host());
        var invite = invite(
                target, callId, trunk.transport(), caller, endpoint.addresses().createSipURI(to, trunk.host()));
        invite.addHeader(endpoint.headers().createHeader("P-Asserted-Identity", "<" + caller + ">"));
        extraHeaders.forEach((name, value) -> {
            // The API takes only X- headers; numbers saved before that rule are held to it here too. A value from
            // a recipient's variables must not start a header of its own.
            if (!name.regionMatches(true, 0, "X-", 0, 2) || value.chars().anyMatch(c -> c == '\r' || c == '\n')) {
                log.warn("Trunk header skipped: only X- headers on one line are sent header={}", name);
                return;
            }
            try {
                invite.addHeader(endpoint.headers().createHeader(name, value));
            } catch (ParseException e) {
                log.warn("Trunk header skipped: not a valid SIP header header={}", name);
            }
        });
        invite.setContent(sdp, endpoint.headers().createContentTypeHeader("application", "sdp"));
        return invite;
    }

    /**
     * An INVITE without SDP to the agent's SIP URI, so that the agent makes the offer in its 200 OK. It comes
     * from the recipient's number and carries {@link AgentHeaders} (the conversation, the agent's token and URL,
     * the recipient's variables), so that the agent knows whom it talks to.
     */
    Request agentInvite(CallIdHeader callId, SipURI agent, String recipient, Map<String, String> headers)
            throws ParseException, InvalidArgumentException {
        var transport = transportOf(agent);
        var from = endpoint.addresses().createSipURI(recipient, endpoint.host());
        var invite = invite(agent, callId, transport, from, agent);
        for (var header : headers.entrySet()) {
            try {
                invite.addHeader(endpoint.headers().createHeader(header.getKey(), header.getValue()));
            } catch (ParseException e) {
                // A value the SIP stack cannot carry is left out, as AgentHeaders leaves out what does not fit.
                log.debug("Agent header skipped: not a valid SIP header header={}", header.getKey());
            }
        }
        return invite;
    }

    /** The agent's SIP URI, as the agents API accepted it; sips: needs TLS, which is not supported yet. */
    SipURI agentUri(String sipUri) throws ParseException {
        var uri = endpoint.addresses().createURI(sipUri);
        if (!(uri instanceof SipURI sip) || sip.isSecure()) {
            throw new ParseException("only sip: URIs are supported (TLS may come later): " + sipUri, 0);
        }
        var transport = transportOf(sip);
        if (!transport.equals(ListeningPoint.UDP) && !transport.equals(ListeningPoint.TCP)) {
            throw new ParseException("transport " + transport + " is not supported: use udp or tcp", 0);
        }
        return sip;
    }

    static String transportOf(SipURI uri) {
        var transport = uri.getTransportParam();
        return transport == null ? ListeningPoint.UDP : transport.toLowerCase(Locale.ROOT);
    }

    private Request invite(SipURI requestUri, CallIdHeader callId, String transport, SipURI from, SipURI to)
            throws ParseException, InvalidArgumentException {
        var headers = endpoint.headers();
        var addresses = endpoint.addresses();
        var fromHeader = headers.createFromHeader(
                addresses.createAddress(from), UUID.randomUUID().toString().substring(0, 8));
        var toHeader = headers.createToHeader(addresses.createAddress(to), null);
        List<ViaHeader> vias = List.of(endpoint.via(transport));
        var invite = endpoint.messages()
                .createRequest(
                        requestUri,
                        Request.INVITE,
                        callId,
                        headers.createCSeqHeader(1L, Request.INVITE),
                        fromHeader,
                        toHeader,
                        vias,
                        headers.createMaxForwardsHeader(MAX_FORWARDS));
        invite.addHeader(endpoint.contact(transport));
        invite.addHeader(headers.createUserAgentHeader(List.of("batchcall")));
        return invite;
    }
}
