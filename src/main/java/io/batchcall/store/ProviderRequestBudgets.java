package io.batchcall.store;

import io.batchcall.domain.Provider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Request slots per provider account, reserved in one statement so that nodes reserving at once queue on the
 * account's row and each gets its own slot: the account's pace holds across nodes, numbers and workspaces.
 */
public final class ProviderRequestBudgets {
    private final Jdbi jdbi;
    private final Clock clock;

    public ProviderRequestBudgets(Database database, Clock clock) {
        this.jdbi = database.jdbi();
        this.clock = clock;
    }

    /**
     * The account's next free slot (now, if it has been idle), reserved, the next one {@code spacing} later; empty,
     * reserving nothing, when that slot is more than {@code within} from now.
     */
    public Optional<Instant> reserve(Provider provider, String account, Duration spacing, Duration within) {
        var now = clock.instant();
        return jdbi.withHandle(handle -> handle.createQuery("""
                        INSERT INTO provider_request_budgets AS b (provider, account, next_request_at)
                        VALUES (:provider, :account, :now + :spacingMicros * interval '1 microsecond')
                        ON CONFLICT (provider, account) DO UPDATE
                        SET next_request_at = greatest(b.next_request_at, :now)
                                              + :spacingMicros * interval '1 microsecond'
                        WHERE b.next_request_at <= :latest
                        RETURNING next_request_at - :spacingMicros * interval '1 microsecond' AS slot""")
                .bind("provider", provider.wireName())
                .bind("account", account)
                .bind("now", Rows.at(now))
                .bind("latest", Rows.at(now.plus(within)))
                // Rounded up: timestamptz keeps microseconds, and a slot a nanosecond early is still early.
                .bind("spacingMicros", (spacing.toNanos() + 999) / 1_000)
                .map((rs, ctx) -> Rows.instant(rs, "slot"))
                .findOne());
    }
}
