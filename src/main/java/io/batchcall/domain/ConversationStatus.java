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

    public static Optional<ConversationStatus> fromWire(String name) {
        return Arrays.stream(values()).filter(s -> s.wireName.equals(name)).findFirst();
    }
}
