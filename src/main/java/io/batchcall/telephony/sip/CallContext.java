package io.batchcall.telephony.sip;

import gov.nist.javax.sip.clientauthutils.AuthenticationHelper;
import io.batchcall.telephony.Timers;
import java.time.Duration;

/**
 * What one call needs, shared by its trunk leg and its agent leg: the stack, timers and SIP's T1, where its
 * events go, the digest helper holding its credentials, its trunk, and how to forget it once it is over.
 */
record CallContext(
        SipEndpoint endpoint,
        SipRequests requests,
        Timers timers,
        Duration t1,
        CallReport report,
        AuthenticationHelper authentication,
        TrunkSettings trunk,
        Runnable forget) {
    /** 64 x T1: RFC 3261's bound on an unanswered transaction (Timer B), used for our own guards too. */
    Duration transactionTimeout() {
        return t1.multipliedBy(64);
    }
}
