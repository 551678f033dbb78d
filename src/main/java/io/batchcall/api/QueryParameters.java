package io.batchcall.api;

import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;

/** Query parameters read as FastAPI reads them, with the same 422s on ["query", name]. */
final class QueryParameters {
    private QueryParameters() {}

    static Optional<String> text(Context ctx, String name) {
        return Optional.ofNullable(ctx.queryParam(name)).filter(value -> !value.isEmpty());
    }

    static Optional<Integer> integer(Context ctx, String name) {
        return text(ctx, name).map(value -> {
            try {
                return Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw ValidationException.of(
                        List.of("query", name),
                        "Input should be a valid integer, unable to parse string as an integer",
                        "int_parsing");
            }
        });
    }

    static Optional<Integer> integerAtLeast(Context ctx, String name, int minimum) {
        var value = integer(ctx, name);
        value.filter(v -> v < minimum).ifPresent(v -> {
            throw ValidationException.of(
                    List.of("query", name),
                    "Input should be greater than or equal to " + minimum,
                    "greater_than_equal");
        });
        return value;
    }
}
