package io.batchcall.domain;

import java.util.Objects;
import java.util.Optional;

/** How each call of a batch is placed: how long it may ring, whether it is recorded, machine detection. */
public record TelephonyCallConfig(
        int ringingTimeoutSecs, boolean recordingEnabled, Optional<MachineDetection> machineDetection) {
    public static final int DEFAULT_RINGING_TIMEOUT_SECS = 60;
    public static final int MIN_RINGING_TIMEOUT_SECS = 1;
    public static final int MAX_RINGING_TIMEOUT_SECS = 999;

    public TelephonyCallConfig {
        if (ringingTimeoutSecs < MIN_RINGING_TIMEOUT_SECS || ringingTimeoutSecs > MAX_RINGING_TIMEOUT_SECS) {
            throw new IllegalArgumentException("ringing timeout out of range: " + ringingTimeoutSecs);
        }
        Objects.requireNonNull(machineDetection, "machineDetection");
    }

    public static TelephonyCallConfig defaults() {
        return new TelephonyCallConfig(DEFAULT_RINGING_TIMEOUT_SECS, false, Optional.empty());
    }
}
