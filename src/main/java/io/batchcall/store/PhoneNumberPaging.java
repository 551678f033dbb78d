package io.batchcall.store;

import io.batchcall.domain.Provider;
import io.batchcall.domain.WorkspaceId;
import io.batchcall.store.PhoneNumberStore.After;
import io.batchcall.store.PhoneNumberStore.Filter;
import io.batchcall.store.PhoneNumberStore.NumberPage;
import io.batchcall.store.PhoneNumberStore.SortBy;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The API's paged, filtered and sorted number list. Kept apart from the store's look-ups because its statement
 * is assembled from the requested order and keyset, and its search patterns need their own escaping.
 */
final class PhoneNumberPaging {
    private final Jdbi jdbi;

    PhoneNumberPaging(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * A page of live numbers matching {@code filter}, in {@code sortBy} order (descending when {@code descending}),
     * keyset-paged on (sort key, id). A workspace has few numbers, so the filters scan its rows. WhatsApp accounts
     * are not in it: ElevenLabs lists them apart.
     */
    NumberPage page(
            WorkspaceId workspace, Filter filter, SortBy sortBy, boolean descending, Optional<After> after, int limit) {
        var direction = descending ? "DESC" : "ASC";
        var sql = "SELECT " + PhoneNumberStore.COLUMNS + ", " + sortBy.key() + " AS sort_key" + """
                 FROM phone_numbers
                 WHERE workspace_id = :workspaceId AND deleted_at IS NULL
                   AND provider <> 'whatsapp'
                   AND (CAST(:provider AS text) IS NULL OR provider = :provider)
                   AND (CAST(:agentId AS text) IS NULL OR agent_id = :agentId)
                   AND (CAST(:branchId AS text) IS NULL OR settings->>'branch_id' = :branchId)
                   AND (CAST(:search AS text) IS NULL OR id = :search
                        OR label ILIKE :searchPattern ESCAPE '!' OR phone_number ILIKE :searchPattern ESCAPE '!')
                   AND (CAST(:labelPattern AS text) IS NULL OR label ILIKE :labelPattern ESCAPE '!')
                   AND (CAST(:phoneNumber AS text) IS NULL OR phone_number = :phoneNumber)
                   AND (CAST(:supportsOutbound AS boolean) IS NULL OR supports_outbound = :supportsOutbound)
                """
                + (after.isPresent()
                        ? "AND (" + sortBy.key() + ", id) " + (descending ? "<" : ">") + " (:afterKey, :afterId)\n"
                        : "")
                + "ORDER BY sort_key " + direction + ", id " + direction + " LIMIT :limit";
        var rows = jdbi.withHandle(handle -> handle.createQuery(sql)
                .bind("workspaceId", workspace.value())
                .bind("provider", filter.provider().map(Provider::wireName).orElse(null))
                .bind("agentId", filter.agentId().orElse(null))
                .bind("branchId", filter.branchId().orElse(null))
                .bind("search", filter.search().orElse(null))
                .bind(
                        "searchPattern",
                        filter.search().map(PhoneNumberPaging::containing).orElse(null))
                .bind(
                        "labelPattern",
                        filter.label().map(PhoneNumberPaging::containing).orElse(null))
                .bind("phoneNumber", filter.phoneNumber().orElse(null))
                .bind("supportsOutbound", filter.supportsOutbound().orElse(null))
                .bind("afterKey", after.map(After::key).orElse(null))
                .bind("afterId", after.map(After::id).orElse(null))
                .bind("limit", limit + 1)
                .map((rs, ctx) -> Map.entry(PhoneNumberStore.phoneNumber(rs, ctx), rs.getString("sort_key")))
                .list());
        if (rows.size() <= limit) {
            return new NumberPage(rows.stream().map(Map.Entry::getKey).toList(), Optional.empty());
        }
        var last = rows.get(limit - 1);
        return new NumberPage(
                rows.subList(0, limit).stream().map(Map.Entry::getKey).toList(),
                Optional.of(new After(last.getValue(), last.getKey().id())));
    }

    private static String containing(String text) {
        // '!' escapes, not a backslash: Jdbi's parser reads '\\' as an escaped quote, and with two such literals in
        // one statement the parameters between them would be taken for text.
        return "%" + text.replaceAll("([!%_])", "!$1") + "%";
    }
}
