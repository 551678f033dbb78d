package io.batchcall.api;

import io.batchcall.store.IdempotencyClaim;
import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;

/**
 * The {@code Idempotency-Key} header: the official SDK retries POSTs on 408, 429 and 5xx, so submit, cancel
 * and retry accept a key that makes a repeated request return the first response instead of acting twice.
 */
final class IdempotencyKeys {
    static final String HEADER = "Idempotency-Key";
    private static final int MAX_LENGTH = 255;

    private IdempotencyKeys() {}

    static Optional<IdempotencyClaim> claim(Context ctx) {
        var key = ctx.header(HEADER);
        if (key == null) {
            return Optional.empty();
        }
        if (key.isBlank() || key.length() > MAX_LENGTH) {
            throw ValidationException.of(
                    List.of("header", "idempotency-key"),
                    "String should have 1 to " + MAX_LENGTH + " characters",
                    "string_too_long");
        }
        return Optional.of(new IdempotencyClaim(key, hash(ctx)));
    }

    /** Method, path and body: what makes two requests "the same request"; hashed as the body is read. */
    private static byte[] hash(Context ctx) {
        return ctx.appData(RequestBodies.KEY).fingerprint(ctx);
    }
}
