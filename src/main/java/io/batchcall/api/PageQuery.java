package io.batchcall.api;

import io.batchcall.store.Keyset;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The {@code page_size} and {@code cursor} query parameters of a newest-first list. A cursor is opaque to
 * clients: the base64url of the last row's time (epoch microseconds) and id, which is all a keyset needs.
 */
record PageQuery(int pageSize, Optional<Keyset> after) {
    static final int DEFAULT_PAGE_SIZE = 30;
    static final int MAX_PAGE_SIZE = 100;

    static PageQuery of(Context ctx) {
        var violations = new ArrayList<Violation>();
        int pageSize = pageSize(ctx, violations);
        var cursorText = Optional.ofNullable(ctx.queryParam("cursor")).filter(c -> !c.isBlank());
        var after = cursorText.flatMap(PageQuery::decode);
        if (cursorText.isPresent() && after.isEmpty()) {
            violations.add(new Violation(
                    List.of("query", "cursor"), "Value error, not a cursor this server returned", "value_error"));
        }
        if (!violations.isEmpty()) {
            throw new ValidationException(violations);
        }
        return new PageQuery(pageSize, after);
    }

    /** {@code page_size}, 1 to {@link #MAX_PAGE_SIZE} (default {@link #DEFAULT_PAGE_SIZE}); a bad one is added to
     * {@code violations}. */
    static int pageSize(Context ctx, List<Violation> violations) {
        int pageSize = DEFAULT_PAGE_SIZE;
        var sizeText = ctx.queryParam("page_size");
        if (sizeText != null) {
            try {
                pageSize = Integer.parseInt(sizeText.strip());
                if (pageSize < 1) {
                    violations.add(new Violation(
                            List.of("query", "page_size"),
                            "Input should be greater than or equal to 1",
                            "greater_than_equal"));
                } else if (pageSize > MAX_PAGE_SIZE) {
                    violations.add(new Violation(
                            List.of("query", "page_size"),
                            "Input should be less than or equal to " + MAX_PAGE_SIZE,
                            "less_than_equal"));
                }
            } catch (NumberFormatException e) {
                violations.add(new Violation(
                        List.of("query", "page_size"),
                        "Input should be a valid integer, unable to parse string as an integer",
                        "int_parsing"));
            }
        }
        return pageSize;
    }

    static String encode(Keyset keyset) {
        var micros = Math.addExact(
                Math.multiplyExact(keyset.at().getEpochSecond(), 1_000_000L),
                keyset.at().getNano() / 1_000);
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((micros + "|" + keyset.id()).getBytes(StandardCharsets.UTF_8));
    }

    private static Optional<Keyset> decode(String cursor) {
        try {
            var text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int bar = text.indexOf('|');
            if (bar < 1 || bar == text.length() - 1) {
                return Optional.empty();
            }
            long micros = Long.parseLong(text.substring(0, bar));
            var at = Instant.ofEpochSecond(
                    Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
            return Optional.of(new Keyset(at, text.substring(bar + 1)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** An optional query parameter; blank counts as absent, as an unset filter. */
    static Optional<String> filter(Context ctx, String name) {
        return Optional.ofNullable(ctx.queryParam(name)).map(String::strip).filter(v -> !v.isEmpty());
    }
}
