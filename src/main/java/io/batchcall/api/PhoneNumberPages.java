package io.batchcall.api;

import io.batchcall.domain.Provider;
import io.batchcall.store.PhoneNumberStore;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads the query of {@code GET /v1/convai/v2/phone-numbers}: ElevenLabs' filters, {@code sort_by}
 * ({@code label}, {@code phone_number}; creation order when absent), {@code sort_direction}, {@code page_size}
 * and the opaque {@code cursor}, which carries the order it was made for, so that a cursor reused with another
 * order is refused instead of skipping rows.
 */
final class PhoneNumberPages {
    private static final String VERSION = "n1";

    private PhoneNumberPages() {}

    record Query(
            PhoneNumberStore.Filter filter,
            PhoneNumberStore.SortBy sortBy,
            boolean descending,
            int pageSize,
            Optional<PhoneNumberStore.After> after) {}

    static Query of(Context ctx) {
        var violations = new ArrayList<Violation>();
        int pageSize = PageQuery.pageSize(ctx, violations);
        var provider = PageQuery.filter(ctx, "provider").flatMap(name -> {
            var found = Provider.fromWire(name);
            if (found.isEmpty()) {
                violations.add(new Violation(
                        List.of("query", "provider"),
                        "Input should be "
                                + JsonBody.oneOf(Arrays.stream(Provider.values())
                                        .map(Provider::wireName)
                                        .toList()),
                        "enum"));
            }
            return found;
        });
        var sortBy = PageQuery.filter(ctx, "sort_by")
                .map(name -> switch (name) {
                    case "label" -> PhoneNumberStore.SortBy.LABEL;
                    case "phone_number" -> PhoneNumberStore.SortBy.PHONE_NUMBER;
                    default -> {
                        violations.add(new Violation(
                                List.of("query", "sort_by"), "Input should be 'label' or 'phone_number'", "enum"));
                        yield PhoneNumberStore.SortBy.CREATED;
                    }
                })
                .orElse(PhoneNumberStore.SortBy.CREATED);
        var direction = PageQuery.filter(ctx, "sort_direction").orElse("asc");
        if (!direction.equals("asc") && !direction.equals("desc")) {
            violations.add(
                    new Violation(List.of("query", "sort_direction"), "Input should be 'asc' or 'desc'", "enum"));
        }
        boolean descending = direction.equals("desc");
        var supportsOutbound = PageQuery.filter(ctx, "supports_outbound").flatMap(text -> {
            switch (text.toLowerCase(Locale.ROOT)) {
                case "true", "1" -> {
                    return Optional.of(true);
                }
                case "false", "0" -> {
                    return Optional.of(false);
                }
                default -> {
                    violations.add(new Violation(
                            List.of("query", "supports_outbound"),
                            "Input should be a valid boolean, unable to interpret input",
                            "bool_parsing"));
                    return Optional.empty();
                }
            }
        });
        var cursor = PageQuery.filter(ctx, "cursor");
        var after = cursor.flatMap(text -> decode(text, sortBy, descending));
        if (cursor.isPresent() && after.isEmpty()) {
            violations.add(new Violation(
                    List.of("query", "cursor"),
                    "Value error, not a cursor this server returned for this sort_by and sort_direction",
                    "value_error"));
        }
        if (!violations.isEmpty()) {
            throw new ValidationException(violations);
        }
        var filter = new PhoneNumberStore.Filter(
                provider,
                PageQuery.filter(ctx, "agent_id"),
                PageQuery.filter(ctx, "branch_id"),
                PageQuery.filter(ctx, "search"),
                PageQuery.filter(ctx, "label"),
                PageQuery.filter(ctx, "phone_number"),
                supportsOutbound);
        return new Query(filter, sortBy, descending, pageSize, after);
    }

    static String encode(PhoneNumberStore.After after, PhoneNumberStore.SortBy sortBy, boolean descending) {
        var text = String.join("\n", VERSION, sortBy.name(), descending ? "desc" : "asc", after.key(), after.id());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Optional<PhoneNumberStore.After> decode(
            String cursor, PhoneNumberStore.SortBy sortBy, boolean descending) {
        try {
            var parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\n", -1);
            if (parts.length == 5
                    && parts[0].equals(VERSION)
                    && parts[1].equals(sortBy.name())
                    && parts[2].equals(descending ? "desc" : "asc")
                    && !parts[4].isEmpty()) {
                return Optional.of(new PhoneNumberStore.After(parts[3], parts[4]));
            }
        } catch (IllegalArgumentException e) {
            // not base64: not ours
        }
        return Optional.empty();
    }
}
