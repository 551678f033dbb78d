package io.batchcall.domain;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Where one attempt (one dial) is: {@code dialing} (claimed, the dial request about to go out or out) ->
 * {@code ringing} (the provider took the call) -> {@code answered} -> {@code ended}. Phases only move forward, so a
 * late, repeated or out-of-order report changes nothing; {@code ended} is final.
 */
public enum AttemptPhase {
    DIALING("dialing", 0),
    RINGING("ringing", 1),
    ANSWERED("answered", 2),
    ENDED("ended", 3);

    private final String wireName;
    private final int rank;

    AttemptPhase(String wireName, int rank) {
        this.wireName = wireName;
        this.rank = rank;
    }

    public String wireName() {
        return wireName;
    }

    public boolean isFinal() {
        return this == ENDED;
    }

    public boolean canMoveTo(AttemptPhase next) {
        return next.rank > rank;
    }

    /** The phases an attempt may move to {@code next} from, by wire name: what a guarded UPDATE allows. */
    public static List<String> from(AttemptPhase next) {
        return Arrays.stream(values())
                .filter(p -> p.canMoveTo(next))
                .map(AttemptPhase::wireName)
                .toList();
    }

    public static Optional<AttemptPhase> fromWire(String name) {
        return Arrays.stream(values()).filter(p -> p.wireName.equals(name)).findFirst();
    }
}
