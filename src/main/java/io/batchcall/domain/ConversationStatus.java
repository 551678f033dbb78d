package io.batchcall.domain;

import java.util.Arrays;
import java.util.Optional;

/** A conversation's status, with ElevenLabs' hyphenated wire names. */
public enum ConversationStatus {
    INITIATED("initiated"),
    IN_PROGRESS("in-progress"),
    PROCESSING("processing"),
    DONE("done"),
    FAILED("failed");

    private final String wireName;

    ConversationStatus(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** The call is over: nothing but the agent's report writes to the conversation any more. */
    public boolean ended() {
        return this == PROCESSING || this == DONE || this == FAILED;
    }

    public static Optional<ConversationStatus> fromWire(String name) {
        return Arrays.stream(values()).filter(s -> s.wireName.equals(name)).findFirst();
    }
}
