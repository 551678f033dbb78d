package io.batchcall.domain;

import java.util.Arrays;
import java.util.Optional;

/** Answering-machine detection for Twilio calls: detect a machine, or also wait for its message to end. */
public enum MachineDetection {
    ENABLE("enable"),
    DETECT_MESSAGE_END("detect_message_end");

    private final String wireName;

    MachineDetection(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<MachineDetection> fromWire(String name) {
        return Arrays.stream(values()).filter(m -> m.wireName.equals(name)).findFirst();
    }
}
