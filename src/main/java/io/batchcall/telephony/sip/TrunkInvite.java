package io.batchcall.telephony.sip;

import java.time.Duration;
import javax.sip.ClientTransaction;
import javax.sip.ObjectInUseException;
import javax.sip.ResponseEvent;
import javax.sip.SipException;
import javax.sip.header.CSeqHeader;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The INVITE transaction of a call's trunk leg: sent once, sent again with digest credentials after one
 * challenge, CANCELled, or dropped by us when the trunk stays silent. The decisions are {@link OutboundCall}'s;
 * this class knows how JAIN-SIP carries them out.
 */
final class TrunkInvite {
    private static final Logger log = LoggerFactory.getLogger(TrunkInvite.class);

    private final CallContext context;
    private final Request request;
    private ClientTransaction transaction;
    private long sequence;
    private boolean challenged;

    TrunkInvite(CallContext context, Request request) {
        this.context = context;
        this.request = request;
        this.sequence = ((CSeqHeader) request.getHeader(CSeqHeader.NAME)).getSeqNumber();
    }

    void send() throws SipException {
        transaction = context.endpoint().provider().getNewClientTransaction(request);
        transaction.setRetransmitTimer(millis(context.t1()));
        transaction.sendRequest();
    }

    /**
     * Sends the INVITE again with credentials for the 401/407 in {@code event} (the stack has acknowledged it).
     * Only once: a second challenge means the credentials are wrong.
     */
    void answerChallenge(ResponseEvent event) throws SipException {
        challenged = true;
        transaction = context.authentication()
                .handleChallenge(
                        event.getResponse(),
                        event.getClientTransaction(),
                        context.endpoint().provider(),
                        5,
                        true);
        transaction.setRetransmitTimer(millis(context.t1()));
        sequence = ((CSeqHeader) transaction.getRequest().getHeader(CSeqHeader.NAME)).getSeqNumber();
        transaction.sendRequest();
    }

    boolean challenged() {
        return challenged;
    }

    /** The CSeq of the INVITE now in flight: responses with a higher one belong to later re-INVITEs. */
    long sequence() {
        return sequence;
    }

    boolean is(ClientTransaction other) {
        return other == transaction;
    }

    /** CANCELs the INVITE (only once a provisional came: the caller checks). A lost CANCEL is the guard's job. */
    void cancel() {
        try {
            var cancel = context.endpoint().provider().getNewClientTransaction(transaction.createCancel());
            cancel.setRetransmitTimer(millis(context.t1()));
            cancel.sendRequest();
        } catch (SipException e) {
            log.debug("CANCEL not sent callId={} error={}", callId(), e.toString());
        }
    }

    /** Ends the transaction without a final response: the trunk answered neither it nor our CANCEL. */
    void drop() {
        try {
            transaction.terminate();
        } catch (ObjectInUseException e) {
            log.debug("INVITE transaction not terminated callId={} error={}", callId(), e.toString());
        }
    }

    private String callId() {
        return ((javax.sip.header.CallIdHeader) request.getHeader(javax.sip.header.CallIdHeader.NAME)).getCallId();
    }

    private static int millis(Duration duration) {
        return (int) duration.toMillis();
    }
}
