package io.batchcall.store;

import java.util.List;
import java.util.Optional;

/** One page of a keyset-paginated list, and where the next one starts (empty: this was the last). */
public record Page<T>(List<T> items, Optional<Keyset> next) {
    public Page {
        items = List.copyOf(items);
    }

    /** Builds a page from up to {@code limit + 1} rows: the extra row only tells that more exist. */
    static <T> Page<T> of(List<T> rows, int limit, java.util.function.Function<T, Keyset> keyOf) {
        if (rows.size() <= limit) {
            return new Page<>(rows, Optional.empty());
        }
        var items = rows.subList(0, limit);
        return new Page<>(items, Optional.of(keyOf.apply(items.getLast())));
    }
}
