package io.batchcall.config;

import java.time.Duration;

/**
 * The SIP user agent that places sip_trunk calls: the address it listens on (UDP and TCP on the same port; port 0
 * picks a free one at start) and SIP's timer T1. Timer B (no answer to an INVITE) and the guard on an unanswered
 * CANCEL are 64 x T1, as RFC 3261 sets them; only tests lower T1. {@link SipLimits} bound what it reads.
 */
public record SipConfig(String host, int port, Duration t1, SipLimits limits) {
    public static final Duration DEFAULT_T1 = Duration.ofMillis(500);

    public SipConfig(String host, int port, Duration t1) {
        this(host, port, t1, SipLimits.defaults());
    }

    /** How long a transaction may go unanswered before it is given up: 64 x T1 (32 s by default). */
    public Duration transactionTimeout() {
        return t1.multipliedBy(64);
    }
}
