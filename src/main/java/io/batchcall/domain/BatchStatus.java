package io.batchcall.domain;

import java.util.Arrays;
import java.util.Optional;

/** A batch's status: {@code pending -> in_progress -> completed | failed | cancelled}. */
public enum BatchStatus {
    PENDING("pending"),
    IN_PROGRESS("in_progress"),
    COMPLETED("completed"),
    FAILED("failed"),
    CANCELLED("cancelled");

    private final String wireName;

    BatchStatus(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public boolean isFinal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }

    /**
     * Forward moves only, with one way back: a retry returns a completed (or failed) batch to in_progress, since
     * it has recipients to dial again.
     */
    public boolean canMoveTo(BatchStatus next) {
        return switch (this) {
            case PENDING -> next != PENDING;
            case IN_PROGRESS -> next.isFinal();
            case COMPLETED, FAILED -> next == IN_PROGRESS;
            case CANCELLED -> false;
        };
    }

    public static Optional<BatchStatus> fromWire(String name) {
        return Arrays.stream(values()).filter(s -> s.wireName.equals(name)).findFirst();
    }
}
