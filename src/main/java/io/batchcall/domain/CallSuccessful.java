package io.batchcall.domain;

import java.util.Arrays;
import java.util.Optional;

/** The agent's verdict on a conversation ({@code call_successful}); unknown until an agent reports one. */
public enum CallSuccessful {
    SUCCESS("success"),
    FAILURE("failure"),
    UNKNOWN("unknown");

    private final String wireName;

    CallSuccessful(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<CallSuccessful> fromWire(String name) {
        return Arrays.stream(values()).filter(s -> s.wireName.equals(name)).findFirst();
    }
}
