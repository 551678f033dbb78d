package io.batchcall.api;

import io.batchcall.store.BatchStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The opaque {@code next_doc} / {@code last_doc} cursor: the creation time (microseconds) and id of the last
 * batch of a page. A keyset, not an offset: pages stay right while batches are being created.
 */
final class ListCursor {
    private static final String VERSION = "b1";

    private ListCursor() {}

    static String encode(BatchStore.Position position) {
        var micros = ChronoUnit.MICROS.between(Instant.EPOCH, position.createdAt());
        var text = VERSION + ":" + micros + ":" + position.id();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** @throws ValidationException on ["query","last_doc"] when the text is not a cursor of ours */
    static Optional<BatchStore.Position> decode(Optional<String> cursor) {
        return cursor.map(text -> {
            try {
                var parts = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8).split(":", 3);
                if (parts.length == 3 && parts[0].equals(VERSION) && !parts[2].isEmpty()) {
                    return new BatchStore.Position(
                            Instant.EPOCH.plus(Long.parseLong(parts[1]), ChronoUnit.MICROS), parts[2]);
                }
            } catch (IllegalArgumentException e) {
                // reported below
            }
            throw ValidationException.of(
                    List.of("query", "last_doc"),
                    "Value error, last_doc must be a next_doc value returned by this API",
                    "value_error");
        });
    }
}
