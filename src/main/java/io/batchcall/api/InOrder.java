package io.batchcall.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * A pure function applied to every element of a list, the results in the list's order. A large submit's per
 * recipient work (phone-number validation, client data to text) is independent from one recipient to the next,
 * so a long list is spread over the common pool and its latency is not one core's worth of CPU; what the caller
 * does with the results (its violations, in recipient order) stays sequential, so answers and their order are
 * exactly those of a plain loop.
 */
final class InOrder {
    /** Below this many elements the pool's hand-offs cost more than they save. */
    static final int PARALLEL_FROM = 1_000;

    private InOrder() {}

    static <T, R> List<R> map(List<T> items, Function<? super T, ? extends R> function) {
        var results = new ArrayList<R>(Collections.nCopies(items.size(), null));
        var indexes = IntStream.range(0, items.size());
        // Each index is written by one task only; the stream's completion publishes every write to this thread.
        (items.size() >= PARALLEL_FROM ? indexes.parallel() : indexes)
                .forEach(i -> results.set(i, function.apply(items.get(i))));
        return results;
    }
}
