package io.batchcall.store;

import java.time.Instant;
import java.util.Objects;

/**
 * Where a newest-first page ends: the (time, id) of its last row. The next page holds the rows strictly before
 * it in (time DESC, id DESC) order, so rows added meanwhile never shift a page, and none is seen twice.
 */
public record Keyset(Instant at, String id) {
    public Keyset {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(id, "id");
    }
}
