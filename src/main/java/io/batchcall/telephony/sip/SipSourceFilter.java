package io.batchcall.telephony.sip;

import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPMessageValve;
import javax.sip.SipStack;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JAIN-SIP's message valve (it builds this class by name): drops requests from addresses that are neither a
 * configured trunk nor a party of a live call, before the stack makes a transaction for them. Dropped, not answered
 * 403: over UDP the source can be forged, and an answer would make us a reflector; a scanner learns nothing; and a
 * trunk we know is never refused by it.
 */
public final class SipSourceFilter implements SIPMessageValve {
    private static final Logger log = LoggerFactory.getLogger(SipSourceFilter.class);

    private volatile SipStackImpl stack;

    public SipSourceFilter() {
        // built by JAIN-SIP through reflection
    }

    @Override
    public void init(SipStack sipStack) {
        this.stack = (SipStackImpl) sipStack;
    }

    @Override
    public boolean processRequest(SIPRequest request, MessageChannel channel) {
        var source = channel.getPeerPacketSourceAddress();
        var endpoint = endpoint();
        if (endpoint == null || source == null) {
            return false; // not started yet, or no address to judge: nothing of ours can be waiting for it
        }
        if (endpoint.peers().admits(source)) {
            return true;
        }
        log.debug(
                "SIP request dropped: not from a trunk or a party of a live call method={} source={}",
                request.getMethod(),
                source.getHostAddress());
        return false;
    }

    @Override
    public boolean processResponse(Response response, MessageChannel channel) {
        return true; // responses only ever match transactions we started
    }

    private SipEndpoint endpoint() {
        var current = stack;
        if (current == null) {
            return null;
        }
        var providers = current.getSipProviders();
        while (providers.hasNext()) {
            if (providers.next().getSipListener() instanceof SipEndpoint endpoint) {
                return endpoint;
            }
        }
        return null;
    }

    @Override
    public void destroy() {
        stack = null;
    }
}
