package io.batchcall.config;

import java.time.Duration;

/** The dispatcher's timing: how long a node's claim on an attempt lives without a heartbeat. */
public record DispatchConfig(Duration leaseTimeout) {
    public static final Duration DEFAULT_LEASE_TIMEOUT = Duration.ofSeconds(30);

    /** Heartbeats renew leases three times per lease, so one missed beat loses nothing. */
    public Duration heartbeatInterval() {
        return leaseTimeout.dividedBy(3);
    }
}
