package io.batchcall.domain;

import java.util.Arrays;
import java.util.Optional;

/**
 * A recipient's status, in the order a call moves through them: {@code pending -> dispatched (claimed, dial
 * request about to go out) -> initiated (the provider accepted; ringing) -> in_progress (answered) -> completed |
 * voicemail | failed | cancelled}. Statuses only move forward, so late or repeated events change nothing; a
 * {@code retry} is the one way back, from failed or voicemail to pending.
 */
public enum RecipientStatus {
    PENDING("pending", 0),
    DISPATCHED("dispatched", 1),
    INITIATED("initiated", 2),
    IN_PROGRESS("in_progress", 3),
    COMPLETED("completed", 4),
    VOICEMAIL("voicemail", 4),
    FAILED("failed", 4),
    CANCELLED("cancelled", 4);

    private final String wireName;
    private final int rank;

    RecipientStatus(String wireName, int rank) {
        this.wireName = wireName;
        this.rank = rank;
    }

    public String wireName() {
        return wireName;
    }

    public boolean isFinal() {
        return rank == 4;
    }

    public boolean canMoveTo(RecipientStatus next) {
        return !isFinal() && next.rank > rank;
    }

    /** The statuses a recipient may move to {@code next} from, by wire name: what a guarded UPDATE allows. */
    public static java.util.List<String> from(RecipientStatus next) {
        return Arrays.stream(values())
                .filter(s -> s.canMoveTo(next))
                .map(RecipientStatus::wireName)
                .toList();
    }

    /** The statuses that are not final, by wire name. */
    public static java.util.List<String> open() {
        return Arrays.stream(values())
                .filter(s -> !s.isFinal())
                .map(RecipientStatus::wireName)
                .toList();
    }

    /** What {@code POST /retry} dials again: calls that did not reach a person. */
    public boolean isRetryable() {
        return this == FAILED || this == VOICEMAIL;
    }

    /** Every status, once: {@code values()} copies the array, and every recipient row read parses its status. */
    private static final RecipientStatus[] ALL = values();

    public static Optional<RecipientStatus> fromWire(String name) {
        for (var status : ALL) {
            if (status.wireName.equals(name)) {
                return Optional.of(status);
            }
        }
        return Optional.empty();
    }
}
