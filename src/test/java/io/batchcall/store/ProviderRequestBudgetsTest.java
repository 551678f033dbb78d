package io.batchcall.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchcall.domain.Provider;
import io.batchcall.support.MutableClock;
import io.batchcall.support.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The account-wide request pace, reserved by several nodes at once on one database. */
class ProviderRequestBudgetsTest {
    private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");
    /** Exotel's 180 a minute, in whole microseconds as the provider asks for it. */
    private static final Duration SPACING = Duration.ofNanos(333_334_000);

    private static final Duration ANY_WAIT = Duration.ofHours(1);

    @Test
    void four_nodes_reserving_at_once_get_distinct_slots_never_closer_than_the_accounts_spacing() throws Exception {
        var url = TestDatabase.freshDatabaseUrl();
        var clock = new MutableClock(NOW);
        var nodes = new ArrayList<Database>();
        for (int i = 0; i < 4; i++) {
            nodes.add(Database.connect(url, Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry()));
        }
        var slots = Collections.synchronizedList(new ArrayList<Instant>());
        var start = new CountDownLatch(1);
        try (var pool = Executors.newFixedThreadPool(8)) {
            var done = new ArrayList<Future<?>>();
            for (int thread = 0; thread < 8; thread++) {
                var budgets = new ProviderRequestBudgets(nodes.get(thread % nodes.size()), clock);
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 25; i++) {
                        slots.add(budgets.reserve(Provider.EXOTEL, "acme1", SPACING, ANY_WAIT)
                                .orElseThrow());
                    }
                    return null;
                }));
            }
            start.countDown();
            for (var future : done) {
                future.get();
            }
        }

        var sorted = new ArrayList<>(slots);
        Collections.sort(sorted);
        assertThat(sorted).hasSize(200).doesNotHaveDuplicates().first().isEqualTo(NOW);
        for (int i = 1; i < sorted.size(); i++) {
            assertThat(Duration.between(sorted.get(i - 1), sorted.get(i))).isGreaterThanOrEqualTo(SPACING);
        }
        // 180 slots span at least a minute: no minute holds more than the limit.
        assertThat(Duration.between(sorted.get(0), sorted.get(180))).isGreaterThanOrEqualTo(Duration.ofMinutes(1));
        nodes.forEach(Database::close);
    }

    @Test
    void an_idle_account_is_served_at_once_and_accounts_do_not_share_a_pace() {
        var url = TestDatabase.freshDatabaseUrl();
        var clock = new MutableClock(NOW);
        var database = Database.connect(url, Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        var budgets = new ProviderRequestBudgets(database, clock);

        var first = budgets.reserve(Provider.EXOTEL, "acme1", SPACING, ANY_WAIT).orElseThrow();
        var second =
                budgets.reserve(Provider.EXOTEL, "acme1", SPACING, ANY_WAIT).orElseThrow();
        var otherAccount =
                budgets.reserve(Provider.EXOTEL, "acme2", SPACING, ANY_WAIT).orElseThrow();
        clock.advance(Duration.ofMinutes(5));
        var afterIdle =
                budgets.reserve(Provider.EXOTEL, "acme1", SPACING, ANY_WAIT).orElseThrow();

        assertThat(List.of(first, second, otherAccount, afterIdle))
                .containsExactly(NOW, NOW.plus(SPACING), NOW, NOW.plus(Duration.ofMinutes(5)));
        database.close();
    }

    @Test
    void a_slot_further_ahead_than_the_request_may_wait_is_not_reserved_and_stays_free_for_later() {
        var clock = new MutableClock(NOW);
        var database = Database.connect(
                TestDatabase.freshDatabaseUrl(), Optional.of("postgres"), Optional.empty(), new SimpleMeterRegistry());
        var budgets = new ProviderRequestBudgets(database, clock);
        var second = Duration.ofSeconds(1);

        var first = budgets.reserve(Provider.EXOTEL, "acme1", second, second);
        var next = budgets.reserve(Provider.EXOTEL, "acme1", second, second);
        var tooFar = budgets.reserve(Provider.EXOTEL, "acme1", second, second);
        clock.advance(second.multipliedBy(2));
        var later = budgets.reserve(Provider.EXOTEL, "acme1", second, Duration.ZERO);

        assertThat(first).contains(NOW);
        assertThat(next).contains(NOW.plus(second));
        assertThat(tooFar).isEmpty();
        assertThat(later).contains(NOW.plus(second).plus(second));
        database.close();
    }
}
