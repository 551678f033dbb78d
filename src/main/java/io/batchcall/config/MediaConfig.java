package io.batchcall.config;

import java.time.Duration;

/**
 * The media bridge's sockets: the address RTP is bound on (and put in our SDP offers), the UDP port range each
 * call's socket is taken from (even ports, as RTP wants; RTCP's odd neighbour is left free), how many packets the
 * jitter buffer holds, and how long a call may go without a valid packet from the caller before the bridge gives it
 * up as dead.
 */
public record MediaConfig(String host, int firstPort, int lastPort, int jitterDepth, Duration callerSilenceTimeout) {
    public static final int DEFAULT_FIRST_PORT = 20_000;
    public static final int DEFAULT_LAST_PORT = 29_999;
    public static final int DEFAULT_JITTER_DEPTH = 5;
    public static final Duration DEFAULT_CALLER_SILENCE_TIMEOUT = Duration.ofSeconds(30);

    public MediaConfig {
        if (firstPort < 1024 || lastPort > 65_535 || firstPort > lastPort) {
            throw new IllegalArgumentException("media ports must be a range within 1024-65535");
        }
        if (jitterDepth < 1 || jitterDepth > 50) {
            throw new IllegalArgumentException("jitter depth must be 1 to 50 packets");
        }
        if (callerSilenceTimeout.isNegative() || callerSilenceTimeout.isZero()) {
            throw new IllegalArgumentException("caller silence timeout must be positive");
        }
    }

    public static MediaConfig defaults(String host) {
        return new MediaConfig(
                host, DEFAULT_FIRST_PORT, DEFAULT_LAST_PORT, DEFAULT_JITTER_DEPTH, DEFAULT_CALLER_SILENCE_TIMEOUT);
    }
}
