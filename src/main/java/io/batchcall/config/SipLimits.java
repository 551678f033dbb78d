package io.batchcall.config;

import java.time.Duration;

/**
 * What the SIP endpoint accepts from the network: the largest message it reads (larger ones on TCP close the
 * connection, on UDP are cut and dropped), how many inbound TCP connections it serves at once (more wait in the
 * kernel's backlog, unserved, until one closes), and how long an inbound TCP connection may stay silent, or take
 * between two reads of one message, before it is closed.
 */
public record SipLimits(int maxMessageBytes, int maxTcpConnections, Duration tcpReadTimeout) {
    /** Large enough for an INVITE with a long SDP and many headers; JAIN-SIP accepts nothing under 4096. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 16_384;

    public static final int MIN_MAX_MESSAGE_BYTES = 4_096;
    public static final int DEFAULT_MAX_TCP_CONNECTIONS = 256;
    public static final Duration DEFAULT_TCP_READ_TIMEOUT = Duration.ofSeconds(32);

    public static SipLimits defaults() {
        return new SipLimits(DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_TCP_CONNECTIONS, DEFAULT_TCP_READ_TIMEOUT);
    }
}
