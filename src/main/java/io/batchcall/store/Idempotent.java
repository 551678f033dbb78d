package io.batchcall.store;

import java.util.Optional;

/**
 * The result of a change made under an Idempotency-Key: done now, or done before (replay what was answered
 * then), or the key was used before for another request.
 */
public sealed interface Idempotent<T> {
    /** The same result with the value of a fresh change transformed; replays and conflicts pass through. */
    default <U> Idempotent<U> map(java.util.function.Function<T, U> change) {
        return switch (this) {
            case Done<T> done -> new Done<>(change.apply(done.value()));
            case Replay<T> replay -> new Replay<>(replay.resourceId(), replay.status(), replay.body());
            case KeyReused<T> reused -> new KeyReused<>();
        };
    }

    record Done<T>(T value) implements Idempotent<T> {}

    /** The earlier request's response; empty when it was not stored yet (a crash right after commit). */
    record Replay<T>(String resourceId, Optional<Integer> status, Optional<String> body) implements Idempotent<T> {}

    record KeyReused<T>() implements Idempotent<T> {}
}
