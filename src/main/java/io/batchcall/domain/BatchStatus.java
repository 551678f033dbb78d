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

    /** The statuses a batch may move to {@code next} from, by wire name: what a guarded UPDATE allows. */
    public static java.util.List<String> from(BatchStatus next) {
        return Arrays.stream(values())
                .filter(s -> s.canMoveTo(next))
                .map(BatchStatus::wireName)
                .toList();
    }

    /** The statuses of a batch that still runs (its recipients may be dialed), by wire name. */
    public static java.util.List<String> running() {
        return Arrays.stream(values())
                .filter(s -> !s.isFinal())
                .map(BatchStatus::wireName)
                .toList();
    }

    /** Every value, once: {@code values()} copies the array, and every batch row read parses this. */
    private static final BatchStatus[] ALL = values();

    public static Optional<BatchStatus> fromWire(String name) {
        for (var value : ALL) {
            if (value.wireName.equals(name)) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }
}
