package io.batchcall.domain;

import java.util.Optional;

/**
 * What a PATCH does to one nullable field: keep it (the field was absent), set it, or clear it (an explicit
 * {@code null}). Absent and {@code null} mean different things there, which {@code Optional} cannot say.
 */
public sealed interface Change<T> {
    record Keep<T>() implements Change<T> {}

    record SetTo<T>(T value) implements Change<T> {}

    record Clear<T>() implements Change<T> {}

    static <T> Change<T> keep() {
        return new Keep<>();
    }

    static <T> Change<T> setTo(T value) {
        return new SetTo<>(value);
    }

    static <T> Change<T> clear() {
        return new Clear<>();
    }

    default boolean changes() {
        return !(this instanceof Keep);
    }

    /** The value of a set; empty for keep and clear. */
    default Optional<T> setValue() {
        return this instanceof SetTo<T>(var value) ? Optional.of(value) : Optional.empty();
    }

    /** The new value: the set one, or {@code null} for a clear (and for keep, which callers check first). */
    default T newValueOrNull() {
        return this instanceof SetTo<T>(var value) ? value : null;
    }
}
